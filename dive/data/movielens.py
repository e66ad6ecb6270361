"""MovieLens 100K (book §21.2) as whole tensors: ratings, the book's two splits and GroupLens's folds.

- `Ratings`: parallel int64/float32 tensors (user, item, rating, time) with 0-based ids, and the id ranges.
- `read_ml100k(root, file)`: `u.data` or any of GroupLens's split files (`u1.base`, `ua.test`, ...), with the
  user and item counts from `u.info` (943, 1,682) whatever the file holds.
- `split_ratings(r, "random" | "seq-aware")`: the book's `split_data_ml100k`. "random" keeps each rating for
  training with probability 1 - test_ratio (seeded here: the book's draw is not); "seq-aware" holds out each
  user's latest rating (by timestamp; ties: the first in file order, as the book's loop keeps it).
- `grouplens_fold(root, "u1")`: GroupLens's own 80/20 folds, for comparing with published numbers.
- `read_movies` / `read_users`: titles (u.item is latin-1), genres and release year; age, gender, occupation, zip.
- `fake_ratings`: a same-shaped stand-in with a low-rank structure, for tests.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from dive.core import DiveError
from dive.data.catalog import ML100K
from dive.data.files import locate


@dataclass
class Ratings:
    """N ratings: `users`, `items` int64 (N,) 0-based; `ratings` float32 (N,) in 1..5; `times` int64 (N,) unix
    seconds; ids range over `num_users` x `num_items` (the whole dataset's, not only the ids present)."""

    users: Tensor
    items: Tensor
    ratings: Tensor
    times: Tensor
    num_users: int
    num_items: int

    def __len__(self) -> int:
        return self.users.shape[0]

    def subset(self, index: Tensor) -> Ratings:
        """The ratings at `index` (a bool mask or indices), same id ranges."""
        return Ratings(self.users[index], self.items[index], self.ratings[index], self.times[index],
                       self.num_users, self.num_items)  # fmt: skip

    def matrix(self) -> Tensor:
        """The (num_users, num_items) float32 rating matrix, 0 where unrated (the book's interaction matrix)."""
        m = torch.zeros(self.num_users, self.num_items)
        m[self.users, self.items] = self.ratings
        return m

    def rated(self) -> Tensor:
        """bool (num_users, num_items): which user rated which item."""
        m = torch.zeros(self.num_users, self.num_items, dtype=torch.bool)
        m[self.users, self.items] = True
        return m


def parse_ratings(text: str, num_users: int, num_items: int, where: str = "ratings") -> Ratings:
    """Tab-separated `user item rating time` lines with 1-based ids (GroupLens's format) -> `Ratings`."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise DiveError(f"{where} holds no ratings")
    if any(line.count("\t") != 3 for line in lines):
        raise DiveError(f"{where}: each line must have 4 tab-separated fields (user, item, rating, time)")
    try:  # one numpy parse of every number: 100,000 lines in ~0.05 s
        t = torch.from_numpy(np.array(" ".join(lines).replace("\t", " ").split(), dtype=np.int64)).view(-1, 4)
    except ValueError:
        raise DiveError(f"{where}: each field must be an integer (user, item, rating, time)") from None
    users, items = t[:, 0] - 1, t[:, 1] - 1
    if users.min() < 0 or users.max() >= num_users or items.min() < 0 or items.max() >= num_items:
        raise DiveError(f"{where}: ids outside 1..{num_users} users, 1..{num_items} items")
    return Ratings(users, items, t[:, 2].float(), t[:, 3], num_users, num_items)


def _counts(d: Path) -> tuple[int, int]:
    """(users, items) from u.info's first two lines ("943 users", "1682 items")."""
    lines = (d / "u.info").read_text().split("\n")
    return int(lines[0].split()[0]), int(lines[1].split()[0])


def read_ml100k(root: str | os.PathLike | None = None, file: str = "u.data") -> Ratings:
    """Every rating of `file` (u.data: all 100,000), ids over the dataset's 943 users and 1,682 items."""
    d = locate(ML100K, root)
    if file not in {f.name for f in ML100K.files} or not (file.startswith("u") and ("data" in file or "." in file)):
        raise DiveError(f"{file!r} is not a ratings file of ml-100k (u.data, u1.base ... u5.test, ua/ub.base/.test)")
    return parse_ratings((d / file).read_text(), *_counts(d), where=str(d / file))


def grouplens_fold(root: str | os.PathLike | None = None, fold: str = "u1") -> tuple[Ratings, Ratings]:
    """(train, test) of GroupLens's fold `u1`..`u5` (80/20; the five tests partition u.data) or `ua`/`ub` (ten
    test ratings per user)."""
    if fold not in ("u1", "u2", "u3", "u4", "u5", "ua", "ub"):
        raise DiveError(f"the GroupLens folds are u1-u5, ua and ub, got {fold!r}")
    return read_ml100k(root, f"{fold}.base"), read_ml100k(root, f"{fold}.test")


def split_ratings(r: Ratings, mode: str = "random", test_ratio: float = 0.1, seed: int = 0) -> tuple[Ratings, Ratings]:
    """(train, test) as the book's `split_data_ml100k` makes them; see the module docstring."""
    if mode == "random":
        g = torch.Generator().manual_seed(seed)
        keep = torch.rand(len(r), generator=g) < 1 - test_ratio
        return r.subset(keep), r.subset(~keep)
    if mode == "seq-aware":
        return r.subset(~_latest(r)), r.subset(_latest(r))
    raise DiveError(f"the split is random or seq-aware, got {mode!r}")


def _latest(r: Ratings) -> Tensor:
    """bool (N,): each user's latest rating (the first in file order among equal times)."""
    n = len(r)
    order = torch.arange(n)
    # sort by (user, time, -position): each user's last row is then the latest, earliest in the file among ties
    by = torch.argsort(n - 1 - order, stable=True)
    by = by[torch.argsort(r.times[by], stable=True)]
    by = by[torch.argsort(r.users[by], stable=True)]
    last = torch.ones(n, dtype=torch.bool)
    last[:-1] = r.users[by][1:] != r.users[by][:-1]
    mask = torch.zeros(n, dtype=torch.bool)
    mask[by[last]] = True
    return mask


def sequences(r: Ratings) -> list[Tensor]:
    """Each user's items in time order (ties in file order): the histories Caser reads (book §21.7)."""
    order = torch.argsort(r.times, stable=True)
    order = order[torch.argsort(r.users[order], stable=True)]
    counts = torch.bincount(r.users, minlength=r.num_users).tolist()
    return list(torch.split(r.items[order], counts))


GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
)  # fmt: skip


@dataclass
class Movies:
    """`titles` (1,682, as GroupLens writes them), `genres` bool (items, 19) in `GENRES` order, `years` int64
    (items,) of release (0 where unknown)."""

    titles: list[str]
    genres: Tensor
    years: Tensor


def parse_movies(raw: bytes) -> Movies:
    """u.item's pipe-separated lines, decoded as latin-1 (nine titles are not UTF-8)."""
    titles, genres, years = [], [], []
    for line in raw.decode("latin-1").splitlines():
        if not line.strip():
            continue
        f = line.split("|")
        if len(f) != 5 + len(GENRES):
            raise DiveError(f"u.item: a line has {len(f)} fields, expected {5 + len(GENRES)}")
        titles.append(f[1])
        years.append(int(f[2][-4:]) if f[2][-4:].isdigit() else 0)
        genres.append([v == "1" for v in f[5:]])
    return Movies(titles, torch.tensor(genres, dtype=torch.bool), torch.tensor(years))


def read_movies(root: str | os.PathLike | None = None) -> Movies:
    return parse_movies((locate(ML100K, root) / "u.item").read_bytes())


@dataclass
class Users:
    """`ages` int64, `genders` ("M"/"F"), `occupations` and `zips` (strings) of the 943 users, in id order."""

    ages: Tensor
    genders: list[str]
    occupations: list[str]
    zips: list[str]


def read_users(root: str | os.PathLike | None = None) -> Users:
    rows = [line.split("|") for line in (locate(ML100K, root) / "u.user").read_text().splitlines() if line]
    return Users(torch.tensor([int(r[1]) for r in rows]), [r[2] for r in rows], [r[3] for r in rows],
                 [r[4] for r in rows])  # fmt: skip


def fake_ratings(seed: int = 0, num_users: int = 40, num_items: int = 60, per_user: int = 20) -> Ratings:
    """A stand-in for tests: `per_user` distinct items per user, ratings 1-5 from a rank-2 taste model (so there is
    something to learn), increasing times."""
    g = torch.Generator().manual_seed(seed)
    u_f, i_f = torch.randn(num_users, 2, generator=g), torch.randn(num_items, 2, generator=g)
    users = torch.arange(num_users).repeat_interleave(per_user)
    items = torch.cat([torch.randperm(num_items, generator=g)[:per_user] for _ in range(num_users)])
    ratings = ((u_f[users] * i_f[items]).sum(1) + 3).round().clamp(1, 5)
    times = torch.randint(0, 10**6, (len(users),), generator=g)
    return Ratings(users, items, ratings, times, num_users, num_items)


def fake_movies(num_items: int = 60) -> Movies:
    """Titles "movie 0".. and one genre each, for the stand-in's predictors."""
    genres = torch.zeros(num_items, len(GENRES), dtype=torch.bool)
    genres[torch.arange(num_items), 1 + torch.arange(num_items) % (len(GENRES) - 1)] = True
    return Movies([f"movie {i}" for i in range(num_items)], genres, 1990 + torch.arange(num_items) % 10)


class NegativeSampler:
    """An `ArrayLoader` augment: a batch (*context, users, items) gains one item per row that the user did not
    rate in training, drawn from the loader's (seed, epoch, batch) generator, so a resumed run draws the same
    negatives. `user_column` says which tensor of the batch holds the users (default: the first).

    Draws are uniform over all items, redrawn where they hit a rated item (a user rates ~6% of the items, so
    `rounds` redraws leave a rated item with probability ~0.06^rounds)."""

    def __init__(self, rated: Tensor, user_column: int = 0, rounds: int = 8):
        self.rated, self.user_column, self.rounds = rated, user_column, rounds

    def __call__(self, batch: tuple[Tensor, ...], generator: torch.Generator) -> tuple[Tensor, ...]:
        users = batch[self.user_column]
        num_items = self.rated.shape[1]
        neg = torch.randint(0, num_items, users.shape, generator=generator)
        for _ in range(self.rounds):
            hit = self.rated[users, neg]
            if not hit.any():
                break
            neg[hit] = torch.randint(0, num_items, (int(hit.sum()),), generator=generator)
        return (*batch, neg)
