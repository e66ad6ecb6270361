"""What the chapter-21 recipes share: MovieLens as a data part, the metadata a recommender keeps, and inference.

A trained recommender answers `dive predict RUN USER...` with the user's top movies by title, leaving out the ones
the user rated in training. To do that without the dataset, the run keeps in its metadata the 1,682 titles and a
bit-packed (users x items) mask of the training ratings (~260 KB of JSON in the checkpoint's header); the model
scores every item of a user with `model.score_all(users) -> (B, num_items)`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from dive.core import ConfigError, DiveError
from dive.data.movielens import (
    Ratings,
    fake_movies,
    fake_ratings,
    grouplens_fold,
    read_ml100k,
    read_movies,
    split_ratings,
)
from dive.recipes.base import TrainConfig
from dive.recipes.parts import DataPart, Prediction, Predictor, Trained, shorten
from dive.train.optim import adam_for_summed_loss

SPLITS = ("random", "seq-aware", "u1", "u2", "u3", "u4", "u5", "ua", "ub")


@dataclass(frozen=True)
class RecsysConfig(TrainConfig):
    """`split`: the book's "random" (test ratio 0.1) or "seq-aware" (each user's latest rating held out), or a
    GroupLens fold u1-u5, ua, ub."""

    split: str = "random"
    test_ratio: float = 0.1
    num_factors: int = 30
    lr: float = 0.002
    weight_decay: float = 1e-5
    batch_size: int = 512
    max_epochs: int = 20


@dataclass
class RatingData:
    """(train, test) ratings and the movie titles."""

    train: Ratings
    test: Ratings
    titles: list[str]


def read_split(cfg: RecsysConfig, root: str | None) -> RatingData:
    if cfg.split not in SPLITS:
        raise ConfigError(f"--split is one of {', '.join(SPLITS)}, got {cfg.split!r}")
    if cfg.split in ("random", "seq-aware"):
        train, test = split_ratings(read_ml100k(root), cfg.split, cfg.test_ratio, cfg.seed)
    else:
        train, test = grouplens_fold(root, cfg.split)
    return RatingData(train, test, read_movies(root).titles)


def fake_split(cfg: RecsysConfig) -> RatingData:
    r = fake_ratings(cfg.seed)
    mode = cfg.split if cfg.split in ("random", "seq-aware") else "random"
    return RatingData(*split_ratings(r, mode, max(cfg.test_ratio, 0.1), cfg.seed), fake_movies(r.num_items).titles)


MOVIELENS_DATA = DataPart(real=read_split, stand_in=fake_split)


def book_adam(params, cfg: RecsysConfig) -> torch.optim.Optimizer:
    """Adam as the book's runs apply it to their summed losses (`adam_for_summed_loss`): without the adjustment,
    weight decay 1e-5 swamps NeuMF's tiny initial gradients and the model collapses to a constant."""
    return adam_for_summed_loss(params, cfg.lr, cfg.weight_decay, cfg.batch_size)


def pack_mask(mask: Tensor) -> str:
    """bool (U, I) -> base64 of its bits (JSON-ready)."""
    return base64.b64encode(np.packbits(mask.numpy().astype(np.uint8), axis=None).tobytes()).decode("ascii")


def unpack_mask(text: str, shape: tuple[int, int]) -> Tensor:
    bits = np.unpackbits(np.frombuffer(base64.b64decode(text), dtype=np.uint8))[: shape[0] * shape[1]]
    return torch.from_numpy(bits.astype(bool).reshape(shape))


def recsys_meta(data: RatingData) -> dict[str, Any]:
    """The titles, the id ranges and the training-rating mask: what `recommend` needs of the data."""
    tr = data.train
    return {"titles": data.titles, "num_users": tr.num_users, "num_items": tr.num_items, "rated": pack_mask(tr.rated())}


def parse_user(x: Any, num_users: int) -> int:
    """A MovieLens user id as the dataset writes it (1-based) -> the 0-based row; one clear line otherwise."""
    try:
        u = int(str(x).strip())
    except ValueError:
        raise DiveError(f"a user is a MovieLens user id 1-{num_users}, got {shorten(str(x))!r}") from None
    if not 1 <= u <= num_users:
        raise DiveError(f"unknown user {u}: this run knows users 1-{num_users}")
    return u - 1


@torch.inference_mode()
def recommend(trained: Trained, inputs: list[Any], k: int = 10) -> Prediction:
    """Each user's `k` best-scored movies among those they did not rate in training."""
    meta = trained.meta
    if not inputs:
        raise DiveError("give one or more user ids, e.g. 1")
    if "num_users" not in meta:
        raise DiveError(f"this {trained.recipe} run was trained on the book's CTR log: it has no users or movies to "
                        "recommend")  # fmt: skip
    if not 1 <= int(k) <= 100:
        raise DiveError(f"--k is 1-100, got {k}")
    users = torch.tensor([parse_user(x, meta["num_users"]) for x in inputs])
    rated = unpack_mask(meta["rated"], (meta["num_users"], meta["num_items"]))[users]
    scores = trained.model.score_all(users).float().masked_fill(rated, float("-inf"))
    top = scores.topk(int(k), dim=1)
    lines, values = [], []
    for u, idx, val, seen in zip(users.tolist(), top.indices, top.values, rated.sum(1).tolist(), strict=True):
        picks = [(meta["titles"][i], float(v)) for i, v in zip(idx.tolist(), val.tolist(), strict=True)]
        lines.append(f"user {u + 1} (rated {seen} in training): " + "; ".join(f"{t} ({v:.2f})" for t, v in picks))
        values.append([t for t, _ in picks])
    return Prediction.of(lines, values)


RECOMMENDER = Predictor(kind="recommend", run=recommend, options={"k": 10}, example=lambda trained: ["1"],
    inputs="USER...: MovieLens user ids (1-943); prints each one's top movies, without those they rated")  # fmt: skip
