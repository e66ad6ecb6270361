"""Click-through data for factorization machines (book §21.8): categorical fields -> one id per field.

The book's set (ctr.zip: an anonymised ad log, label + 34 categorical fields, tab-separated) is not obtainable
here; `read_ctr` reads that layout unchanged for a user who has it. The stand-in on real data is
`movielens_clicks`: each MovieLens rating is an impression, a rating of 4 or 5 a click, described by eleven
fields (user, item, age bucket, gender, occupation, zip prefix, first and second genre, release year, and the
hour and weekday of the rating, UTC).

Both go through `CategoricalEncoder`, the book's `CTRDataset` mapping: per field, each value seen at least
`min_count` times in the training rows gets an id, every other value (rare or unseen) one shared id; field f's
ids are offset by the sizes of the fields before it, so one embedding table serves all fields. Values are
numbered in sorted order (the book enumerates a Python set, whose order changes from run to run).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from dive.core import DiveError

AGE_BUCKETS = (18, 25, 35, 45, 50, 56)  # MovieLens 1M's age groups: under 18, 18-24, ..., 56 and over


@dataclass
class CategoricalEncoder:
    """Value -> id per field, fitted on training columns; `field_dims[f]` = known values + 1 (the shared id)."""

    mappers: list[dict[str, int]]

    @classmethod
    def fit(cls, columns: Sequence[Sequence[str]], min_count: int = 4) -> CategoricalEncoder:
        mappers = []
        for col in columns:
            kept = sorted(v for v, c in Counter(col).items() if c >= min_count)
            mappers.append({v: i for i, v in enumerate(kept)})
        return cls(mappers)

    @property
    def field_dims(self) -> list[int]:
        return [len(m) + 1 for m in self.mappers]

    def transform(self, columns: Sequence[Sequence[str]]) -> Tensor:
        """int64 (N, fields) of global ids (offsets added)."""
        if len(columns) != len(self.mappers):
            raise DiveError(f"expected {len(self.mappers)} fields, got {len(columns)}")
        offset, out = 0, []
        for col, m in zip(columns, self.mappers, strict=True):
            other = len(m)
            out.append(torch.tensor([m.get(v, other) for v in col], dtype=torch.int64) + offset)
            offset += other + 1
        return torch.stack(out, dim=1)


@dataclass
class ClickSet:
    """`X` int64 (N, fields) global ids, `y` float32 (N,) 1 = click, and the encoder that made `X`."""

    X: Tensor
    y: Tensor
    encoder: CategoricalEncoder
    fields: tuple[str, ...]


def parse_ctr(lines: Sequence[str], num_fields: int = 34) -> tuple[list[list[str]], Tensor]:
    """(columns, labels) of the book's layout; lines without exactly 1 + num_fields fields are skipped, as the
    book's reader does."""
    rows = [v for line in lines if len(v := line.rstrip("\n").split("\t")) == num_fields + 1]
    if not rows:
        raise DiveError(f"no line has a label and {num_fields} tab-separated fields")
    try:
        labels = torch.tensor([float(r[0]) for r in rows])
    except ValueError:
        raise DiveError("the first field of each line is the label 0 or 1") from None
    return [[r[f] for r in rows] for f in range(1, num_fields + 1)], labels


def read_ctr(path: str | os.PathLike, encoder: CategoricalEncoder | None = None, min_count: int = 4,
             num_fields: int = 34) -> ClickSet:  # fmt: skip
    """The book's train.csv/test.csv (label, then 34 fields, tab-separated); fit the encoder unless given (give
    the training set's to read its test set)."""
    path = Path(path)
    if not path.is_file():
        raise DiveError(f"{path} not found (the book's ctr/train.csv or ctr/test.csv)")
    with open(path, encoding="utf-8", errors="replace") as f:
        columns, y = parse_ctr(f, num_fields)
    encoder = encoder or CategoricalEncoder.fit(columns, min_count)
    return ClickSet(encoder.transform(columns), y, encoder, tuple(f"field{i}" for i in range(1, num_fields + 1)))


CLICK_FIELDS = ("user", "item", "age", "gender", "occupation", "zip", "genre", "genre2", "year", "hour", "weekday")


def click_columns(users: Tensor, items: Tensor, times: Tensor, people, movies) -> list[list[str]]:
    """The eleven MovieLens fields of `CLICK_FIELDS` as strings, one list per field (`people`: `Users`,
    `movies`: `Movies` of dive.data.movielens)."""
    from dive.data.movielens import GENRES

    age = torch.bucketize(people.ages, torch.tensor(AGE_BUCKETS), right=True)
    genre_lists = [[GENRES[j] for j in row.nonzero().flatten().tolist()] + ["-", "-"] for row in movies.genres]
    u, i = users.tolist(), items.tolist()
    hours = ((times // 3600) % 24).tolist()
    weekdays = ((times // 86400 + 3) % 7).tolist()  # 1970-01-01 was a Thursday: 0 = Monday
    return [
        [str(x) for x in u],
        [str(x) for x in i],
        [str(int(age[x])) for x in u],
        [people.genders[x] for x in u],
        [people.occupations[x] for x in u],
        [people.zips[x][:2] for x in u],
        [genre_lists[x][0] for x in i],
        [genre_lists[x][1] for x in i],
        [str(int(movies.years[x])) for x in i],
        [str(h) for h in hours],
        [str(d) for d in weekdays],
    ]


def movielens_clicks(train, test, people, movies, min_count: int = 1) -> tuple[ClickSet, ClickSet]:
    """(train, test) click sets from two `Ratings` (a rating >= 4 is a click), the encoder fitted on train."""
    cols = [click_columns(r.users, r.items, r.times, people, movies) for r in (train, test)]
    enc = CategoricalEncoder.fit(cols[0], min_count)
    return tuple(ClickSet(enc.transform(c), (r.ratings >= 4).float(), enc, CLICK_FIELDS)
                 for c, r in zip(cols, (train, test), strict=True))  # fmt: skip
