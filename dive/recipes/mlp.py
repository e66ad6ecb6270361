"""Multilayer perceptrons and dropout on Fashion-MNIST (book §5.2 and §5.6), from scratch and concise."""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F

from dive import scratch
from dive.models import MLP
from dive.nn import init_normal
from dive.recipes.base import Profile, Recipe, RunContext, RunResult, register
from dive.recipes.classify import FashionConfig, train_classifier


@dataclass(frozen=True)
class MLPConfig(FashionConfig):
    """Book §5.2: one hidden layer of 256 ReLU units, lr 0.1, batch 256, 10 epochs."""

    num_hiddens: tuple[int, ...] = (256,)
    dropouts: tuple[float, ...] = ()
    activation: str = "relu"
    sigma: float = 0.01


def run_scratch(cfg: MLPConfig, ctx: RunContext) -> RunResult:
    model = scratch.MLPScratch(28 * 28, 10, cfg.num_hiddens, cfg.activation, cfg.dropouts, sigma=cfg.sigma)
    return train_classifier(cfg, ctx, model, scratch.SGD(model.parameters(), lr=cfg.lr), scratch.cross_entropy)


def run_concise(cfg: MLPConfig, ctx: RunContext) -> RunResult:
    if cfg.activation != "relu":
        raise ValueError("the concise MLP uses ReLU; use the -scratch recipe to try other activations")
    model = MLP(28 * 28, 10, cfg.num_hiddens, cfg.dropouts)
    model.apply(init_normal(cfg.sigma))
    return train_classifier(cfg, ctx, model, torch.optim.SGD(model.parameters(), lr=cfg.lr), F.cross_entropy)


MLP_BOOK = MLPConfig()
DROPOUT_BOOK = MLPConfig(num_hiddens=(256, 256), dropouts=(0.5, 0.5))


def _profiles(book: MLPConfig, band: tuple[float, float], quick_band: tuple[float, float], source: str) -> dict:
    return {
        "book": Profile(book, band=band, minutes=1.0, source=source),
        "quick": Profile(replace(book, max_epochs=3), band=quick_band, minutes=0.4, source="measured, 2 CPU cores"),
        "tiny": Profile(
            replace(book, max_epochs=2, batch_size=64, synthetic=True, num_hiddens=(32,) * len(book.num_hiddens))
        ),
    }


MLP_PROFILES = _profiles(MLP_BOOK, (0.83, 0.86), (0.78, 0.83), "book §5.2: test acc 0.83-0.85 after 10 epochs")
DROPOUT_PROFILES = _profiles(DROPOUT_BOOK, (0.83, 0.86), (0.76, 0.82), "book §5.6: test acc ~0.84-0.85")

for _name, _section, _run, _profiles_of in (
    ("mlp-scratch", "5.2.1 MLP Implementation from Scratch", run_scratch, MLP_PROFILES),
    ("mlp", "5.2.2 Concise Implementation of MLPs", run_concise, MLP_PROFILES),
    ("dropout-scratch", "5.6.2 Dropout from Scratch", run_scratch, DROPOUT_PROFILES),
    ("dropout", "5.6.3 Concise Dropout", run_concise, DROPOUT_PROFILES),
):
    register(Recipe(_name, _section, "fashion-mnist", "test_acc", _run, _profiles_of, distributed=True))
