"""The chapter-21 recipes: the book's figures beside the corrected ones, recommendations without the data, the
book's CTR layout read unchanged."""

import pytest

import dive
from dive.cli.run import run_recipe
from dive.core import DiveError


def test_mf_reports_the_true_test_rmse_beside_the_books_batch_average(tmp_path):
    rec = run_recipe("mf", "tiny", out=tmp_path, device="cpu", progress=False)
    m = rec["metrics"]
    assert {"test_rmse", "book_test_rmse", "floor_rmse", "test_mae"} <= set(m)
    assert m["test_rmse"] != m["book_test_rmse"]
    assert "batch-averaged" in rec["summary"] and "floor" in rec["summary"]


def test_ranking_reports_all_items_and_the_books_candidates(tmp_path):
    rec = run_recipe("neumf", "tiny", out=tmp_path, device="cpu", progress=False)
    assert "the book's evaluate_ranking" in rec["summary"]
    m = rec["metrics"]
    assert {"test_hit@10", "test_hit@50", "test_auc", "book_hit@50", "floor_auc"} <= set(m)
    assert m["book_auc"] <= m["test_auc"] + 0.05  # the book's candidates drop every item above the user count


def test_recommendations_leave_out_rated_movies_and_refuse_an_unknown_user(tmp_path, monkeypatch, tmp_path_factory):
    run_recipe("caser", "tiny", out=tmp_path, device="cpu", progress=False)
    monkeypatch.setenv("DIVE_DATA", str(tmp_path_factory.mktemp("empty")))  # the run folder alone
    p = dive.predict(tmp_path, ["1", "2"], k=5)
    assert len(p.value) == 2 and all(len(v) == 5 for v in p.value)
    assert p.lines[0].startswith("user 1 (rated ")
    for bad in ("0", "100000", "alice"):
        with pytest.raises(DiveError, match="user"):
            dive.predict(tmp_path, [bad])


def test_fm_reads_the_books_ctr_layout_and_says_it_cannot_recommend_from_it(tmp_path):
    d = tmp_path / "ctr"
    d.mkdir()
    for name, n in (("train.csv", 200), ("test.csv", 50)):
        rows = [[str(i % 2), *[f"f{j}v{(i * (j + 1)) % 5}" for j in range(34)]] for i in range(n)]
        (d / name).write_text("\n".join("\t".join(r) for r in rows) + "\n")
    out = tmp_path / "run"
    rec = run_recipe("fm", "tiny", ["synthetic=false", f"ctr_dir={d}"], out=out, device="cpu", progress=False)
    assert "the book's CTR log" in rec["summary"] and 0 <= rec["metrics"]["test_auc"] <= 1
    with pytest.raises(DiveError, match="no users or movies"):
        dive.predict(out, ["1"])


def test_the_books_double_sigmoid_can_be_reproduced(tmp_path):
    rec = run_recipe("fm", "tiny", ["double_sigmoid=true"], out=tmp_path, device="cpu", progress=False)
    assert rec["metrics"]["test_logloss"] > 0


@pytest.mark.slow
def test_real_movielens_mf_and_neumf_beat_their_floors(tmp_path):
    mf = run_recipe("mf", "quick", out=tmp_path / "mf", device="cpu", progress=False)["metrics"]
    assert mf["test_rmse"] < mf["floor_rmse"] - 0.1
    rank = run_recipe("neumf", "book", out=tmp_path / "neumf", device="cpu", progress=False)["metrics"]
    assert rank["test_auc"] > rank["floor_auc"] and rank["book_auc"] < rank["test_auc"]


def test_a_resumed_ranking_run_draws_the_same_negatives(tmp_path):
    from safetensors.torch import load_file

    run_recipe("neumf", "tiny", out=tmp_path / "whole", device="cpu", progress=False)
    run_recipe("neumf", "tiny", ["max_epochs=1"], out=tmp_path / "parts", device="cpu", progress=False)
    run_recipe("neumf", "tiny", out=tmp_path / "parts", device="cpu", progress=False, resume=True)
    a, b = (load_file(tmp_path / d / "checkpoint.safetensors") for d in ("whole", "parts"))
    assert all((a[k] == b[k]).all() for k in a if k.startswith("model."))
