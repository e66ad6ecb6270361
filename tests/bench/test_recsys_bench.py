"""`dive bench recsys` on stand-ins: the book-style pipeline yields what dive's does, surprise reads the folds."""

import pytest
import torch

from dive.bench.recsys import BookPairs, BookRatings, book_loader, fit_mf, format_recsys, run_speed, surprise_fold
from dive.data.movielens import fake_ratings, split_ratings
from dive.train.ranking import rating_rmse


def test_book_style_datasets_give_ratings_and_unrated_negatives():
    r = fake_ratings(seed=0)
    users, items, ratings = next(iter(book_loader(BookRatings(r), 64, 0)))
    assert users.dtype == torch.int64 and ratings.dtype == torch.float32 and len(users) == 64
    u, pos, neg = next(iter(book_loader(BookPairs(r), 64, 0)))
    assert not r.rated()[u, neg].any() and r.rated()[u, pos].all()


def test_speed_rows_and_table():
    rows = run_speed(fake_ratings(seed=0), rounds=1, workers=0)
    assert [r["model"] for r in rows] == ["mf", "neumf"] and all(r["ratio"] > 0 for r in rows)
    assert "dive / book" in format_recsys([], rows)


def test_mf_learns_the_stand_in_and_surprise_reads_a_written_fold(tmp_path):
    train, test = split_ratings(fake_ratings(seed=0), "random", 0.2, seed=0)
    model = fit_mf(train, 4, 0.02, 0.0, 0.0, True, epochs=10, batch=64)
    with torch.inference_mode():
        rmse = rating_rmse(model(test.users, test.items), test.ratings)
    floor = rating_rmse(torch.full_like(test.ratings, float(train.ratings.mean())), test.ratings)
    assert rmse < floor
    pytest.importorskip("surprise")
    for name, r in (("u1.base", train), ("u1.test", test)):
        cols = zip(r.users.tolist(), r.items.tolist(), r.ratings.tolist(), r.times.tolist(), strict=True)
        lines = [f"{u + 1}\t{i + 1}\t{int(y)}\t{t}" for u, i, y, t in cols]
        (tmp_path / name).write_text("\n".join(lines) + "\n")
    rmse_svd, mae, seconds = surprise_fold("SVD", str(tmp_path / "u1.base"), str(tmp_path / "u1.test"))
    assert 0 < mae <= rmse_svd < 3 and seconds >= 0
