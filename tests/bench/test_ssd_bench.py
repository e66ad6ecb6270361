"""`dive bench ssd`: the book's per-sample pipeline and dive's train the same TinySSD; the table prints."""

import pytest
import torch

from dive.bench.ssd import book_calc_loss, format_ssd_bench, run_ssd_bench, step_flops
from dive.core import ConfigError
from dive.data import fake_detection_sets


def test_ssd_bench_runs_the_book_loop_and_dive_on_stand_in_data():
    train, _ = fake_detection_sets(n_train=16, size=64)
    r = run_ssd_bench(train, rounds=1, batch_size=8, variants=("dive", "dive+nchw"), log=lambda s: None)
    assert set(r.rounds) == {"book", "dive", "dive+nchw"} and all(v[0] > 0 for v in r.rounds.values())
    table = format_ssd_bench(r)
    assert "vs book" in table and "of this machine's fp32 matmul peak" in table
    with pytest.raises(ConfigError, match="unknown bench variant"):
        run_ssd_bench(train, variants=("dive+fast",))


def test_the_books_loss_equals_the_ssd_step_loss():
    from dive.models import TinySSD
    from dive.train.detection import SSDStep
    from dive.vision import multibox_target

    train, _ = fake_detection_sets(n_train=4, size=64)
    torch.manual_seed(0)
    model = TinySSD(num_classes=1)
    X = train.images.float() / 255
    out = SSDStep()(model, (X, train.labels))
    anchors, cls_preds, bbox_preds = out.outputs
    bbox_labels, bbox_masks, cls_labels = multibox_target(anchors, train.labels)
    book = book_calc_loss(cls_preds, cls_labels, bbox_preds, bbox_labels, bbox_masks).mean()
    torch.testing.assert_close(out.loss, book)
    assert step_flops(1, 64) > 0


def test_kaggle_bench_trains_from_files_and_from_memory(tmp_path):
    from PIL import Image

    from dive.bench.images import run_kaggle_bench

    (tmp_path / "train").mkdir()
    rows = ["id,label"]
    for i in range(1, 17):
        Image.new("RGB", (32, 32), (i * 12, 0, 0)).save(tmp_path / "train" / f"{i}.png")
        rows.append(f"{i},{'cat' if i % 2 else 'dog'}")
    (tmp_path / "trainLabels.csv").write_text("\n".join(rows))
    r = run_kaggle_bench(tmp_path, rounds=1, batch_size=8, log=lambda s: None)
    assert set(r["medians"]) == {"book", "dive", "dive+cl"} and r["ratio"] > 0
    assert r["flops_per_image"] > 5e8 and r["peak_gflops"] > 0  # ResNet-18 at 32x32: ~0.56 GFLOP forward
