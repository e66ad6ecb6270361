"""TinySSD trains through the one `fit` loop with its own step: two losses and the book's two error measures."""

import pytest
import torch

from dive.data import ArrayLoader
from dive.models import TinySSD
from dive.train import History, Trainer
from dive.train.detection import SSDStep


def _squares(n=24, size=64, seed=0):
    """Grey images, each with one bright square: the box to find (class 0), relative corners."""
    g = torch.Generator().manual_seed(seed)
    X = torch.rand(n, 3, size, size, generator=g) * 0.2
    labels = torch.full((n, 1, 5), -1.0)
    for i in range(n):
        w = int(torch.randint(16, 40, (1,), generator=g))
        x, y = (int(v) for v in torch.randint(0, size - w, (2,), generator=g))
        X[i, :, y : y + w, x : x + w] = 1.0
        labels[i, 0] = torch.tensor([0, x / size, y / size, (x + w) / size, (y + w) / size])
    return X, labels


def test_tiny_ssd_trains_with_its_own_step_and_reports_both_losses(tmp_path):
    X, labels = _squares()
    torch.manual_seed(0)
    model = TinySSD(num_classes=1)
    history = History(tmp_path / "h.jsonl")
    opt = torch.optim.SGD(model.parameters(), lr=0.2, weight_decay=5e-4)  # the book's optimizer
    trainer = Trainer(model, None, opt, step=SSDStep(), max_epochs=6, callbacks=[history])
    state = trainer.fit(ArrayLoader(X, labels, batch_size=8, shuffle=True))
    epochs = [r for r in history.records if r["kind"] == "epoch"]
    for key in ("train_loss", "train_cls", "train_bbox", "train_cls_err", "train_bbox_mae"):
        assert key in epochs[-1], key
    assert epochs[-1]["train_loss"] < epochs[0]["train_loss"]
    assert epochs[-1]["train_loss"] == pytest.approx(epochs[-1]["train_cls"] + epochs[-1]["train_bbox"], rel=1e-5)
    assert 0 <= state.metrics["train_cls_err"] < 0.05 and state.metrics["train_bbox_mae"] < 0.05


@pytest.fixture(scope="module")
def ssd_run(tmp_path_factory):
    from dive.cli.run import run_recipe

    out = tmp_path_factory.mktemp("ssd")
    record = run_recipe("ssd-raccoon", "tiny", ["max_epochs=3"], out=out, device="cpu", progress=False)
    return out, record


def test_ssd_recipe_reports_held_out_map_beside_the_mean_box_floor(ssd_run):
    out, record = ssd_run
    m = record["metrics"]
    for key in ("valid_map50", "valid_map", "baseline_map50", "baseline_map", "valid_cls_err", "train_bbox_mae"):
        assert 0 <= m[key] <= 1, key
    assert m["valid_map"] <= m["valid_map50"] and "mean-box baseline" in record["summary"]
    assert (out / "detections.png").stat().st_size > 0


def test_dive_detect_draws_boxes_on_any_photo_and_refuses_bad_input(ssd_run, tmp_path, capsys):
    from PIL import Image

    from dive.cli.main import main

    out, _ = ssd_run
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (90, 60), (20, 20, 20)).save(photo)
    assert main(["detect", str(out), str(photo), "--threshold", "0", "--out", str(tmp_path / "b.png")]) == 0
    printed = capsys.readouterr().out
    assert "detection(s) with score >= 0" in printed and (tmp_path / "b.png").stat().st_size > 0
    assert main(["detect", str(out), str(photo), "--threshold", "2"]) == 2
    assert "--threshold must be in [0, 1]" in capsys.readouterr().err
    assert main(["detect", str(tmp_path), str(photo)]) == 2
    assert "no checkpoint" in capsys.readouterr().err


def test_roi_pooling_demo_reproduces_the_book_and_torchvision(tmp_path):
    from dive.cli.run import run_recipe

    record = run_recipe("roi-pooling", "tiny", out=tmp_path, device="cpu", progress=False)
    m = record["metrics"]
    assert m["book_example_matches"] == 1.0 and m["max_diff"] == 0.0
    assert "= the book's" in record["summary"] and (tmp_path / "roi.png").stat().st_size > 0


def test_ssd_with_augmentation_draws_what_it_trained_on(tmp_path):
    from dive.cli.run import run_recipe

    record = run_recipe("ssd-raccoon", "tiny", ["max_epochs=1", "augment=true"], out=tmp_path, device="cpu",
                        progress=False)  # fmt: skip
    assert record["metrics"]["valid_map50"] >= 0 and (tmp_path / "augmented.png").stat().st_size > 0
