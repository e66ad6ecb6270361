"""MovieLens 100K: the reader on written fixtures (GroupLens's formats, latin-1 titles), the book's two splits,
the click-through fields and the book's CTR layout."""

import pytest
import torch

from dive.core import DiveError
from dive.data.ctr import CategoricalEncoder, movielens_clicks, parse_ctr, read_ctr
from dive.data.movielens import (
    Ratings,
    Users,
    fake_movies,
    fake_ratings,
    parse_movies,
    parse_ratings,
    sequences,
    split_ratings,
)

LINES = "1\t2\t5\t100\n1\t1\t3\t300\n2\t3\t4\t50\n1\t3\t1\t300\n2\t1\t2\t10\n"


def test_ratings_parse_to_zero_based_tensors():
    r = parse_ratings(LINES, num_users=2, num_items=3)
    assert r.users.tolist() == [0, 0, 1, 0, 1] and r.items.tolist() == [1, 0, 2, 2, 0]
    assert r.ratings.dtype == torch.float32 and r.times.tolist() == [100, 300, 50, 300, 10]
    assert r.matrix()[0].tolist() == [3.0, 5.0, 1.0] and r.rated().sum() == 5


@pytest.mark.parametrize("text", ["1\t2\t5\n", "1\tx\t5\t1\n", "9\t1\t5\t1\n", ""])
def test_bad_rating_lines_are_one_clear_error(text):
    with pytest.raises(DiveError):
        parse_ratings(text, num_users=2, num_items=3)


def test_seq_aware_holds_out_each_users_latest_rating_the_first_of_equal_times():
    r = parse_ratings(LINES, num_users=2, num_items=3)
    train, test = split_ratings(r, "seq-aware")
    # user 1's latest time 300 is shared by items 1 and 3: the first in the file (item 1, id 0) is held out
    assert sorted(zip(test.users.tolist(), test.items.tolist())) == [(0, 0), (1, 2)]
    assert len(train) == 3 and sequences(train)[0].tolist() == [1, 2]  # user 1's items in time order


def test_random_split_is_seeded_and_partitions():
    r = fake_ratings(seed=1)
    a, b = split_ratings(r, "random", 0.1, seed=3)
    a2, _ = split_ratings(r, "random", 0.1, seed=3)
    assert len(a) + len(b) == len(r) and torch.equal(a.items, a2.items) and 0.03 < len(b) / len(r) < 0.2
    with pytest.raises(DiveError, match="random or seq-aware"):
        split_ratings(r, "time")


def test_titles_are_latin1():
    line = "1|Misérables, Les (1995)|01-Jan-1995||http://x|" + "|".join(["0"] * 18 + ["1"])
    m = parse_movies(line.encode("latin-1"))
    assert m.titles == ["Misérables, Les (1995)"] and m.years.tolist() == [1995] and m.genres[0, -1]


def test_click_fields_are_fitted_on_train_and_unseen_values_share_an_id():
    enc = CategoricalEncoder.fit([["a", "b", "a"], ["x", "x", "y"]], min_count=2)
    assert enc.field_dims == [2, 2]  # "a" and "other"; "x" and "other"
    assert enc.transform([["a", "zzz"], ["y", "x"]]).tolist() == [[0, 3], [1, 2]]
    r = fake_ratings(seed=0)
    train, test = split_ratings(r, "random", seed=0)
    people = Users(torch.full((r.num_users,), 30), ["F"] * r.num_users, ["artist"] * r.num_users,
                   ["12345"] * r.num_users)  # fmt: skip
    a, b = movielens_clicks(train, test, people, fake_movies(r.num_items))
    assert a.X.shape == (len(train), 11) and b.X.max() < sum(a.encoder.field_dims)
    assert torch.equal(a.y, (train.ratings >= 4).float())


def test_the_books_ctr_layout_is_read(tmp_path):
    rows = [["1", *[f"v{i % 3}" for i in range(34)]], ["0", *["w"] * 34], ["bad line"]]
    path = tmp_path / "train.csv"
    path.write_text("\n".join("\t".join(r) for r in rows) + "\n")
    s = read_ctr(path, min_count=1)
    assert s.X.shape == (2, 34) and s.y.tolist() == [1.0, 0.0] and len(s.encoder.field_dims) == 34
    with pytest.raises(DiveError):
        parse_ctr(["1\tonly two"], 34)
    with pytest.raises(DiveError, match="not found"):
        read_ctr(tmp_path / "missing.csv")


@pytest.mark.slow
def test_the_real_movielens_counts():
    from dive.data.movielens import grouplens_fold, read_ml100k, read_movies

    r = read_ml100k()
    assert (len(r), r.num_users, r.num_items) == (100_000, 943, 1682)
    assert torch.bincount(r.ratings.long())[1:].tolist() == [6110, 11370, 27145, 34174, 21201]
    train, test = split_ratings(r, "seq-aware")
    assert len(test) == 943 and len(train) == 99_057
    a, b = grouplens_fold(None, "u1")
    assert (len(a), len(b)) == (80_000, 20_000)
    assert sum(not t.isascii() for t in read_movies().titles) >= 9
    assert isinstance(a, Ratings)
