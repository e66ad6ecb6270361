"""Multilayer perceptrons and dropout on Fashion-MNIST (book §5.2 and §5.6), from scratch and concise."""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch.nn.functional as F

from dive import scratch
from dive.core import ConfigError
from dive.models import MLP
from dive.nn import init_normal
from dive.recipes.base import Profile, RunContext, RunResult, recipe
from dive.recipes.classify import FASHION_DATA, FashionConfig, fashion_part, train_classifier
from dive.train.optim import SGD


@dataclass(frozen=True)
class MLPConfig(FashionConfig):
    """Book §5.2: one hidden layer of 256 ReLU units, lr 0.1, batch 256, 10 epochs."""

    num_hiddens: tuple[int, ...] = (256,)
    dropouts: tuple[float, ...] = ()
    activation: str = "relu"
    sigma: float = 0.01


def build_scratch(cfg: MLPConfig) -> scratch.MLPScratch:
    if cfg.activation not in scratch.ACTIVATIONS:
        raise ConfigError(f"--activation={cfg.activation!r} is not one of {', '.join(sorted(scratch.ACTIVATIONS))}")
    return scratch.MLPScratch(28 * 28, 10, cfg.num_hiddens, cfg.activation, cfg.dropouts, sigma=cfg.sigma)


def build_concise(cfg: MLPConfig) -> MLP:
    if cfg.activation != "relu":
        raise ConfigError("the concise MLP uses ReLU; use the -scratch recipe to try other activations")
    return MLP(28 * 28, 10, cfg.num_hiddens, cfg.dropouts)


def run_scratch(cfg: MLPConfig, ctx: RunContext) -> RunResult:
    model = build_scratch(cfg)
    return train_classifier(cfg, ctx, model, scratch.SGD(model.parameters(), lr=cfg.lr), scratch.cross_entropy)


def run_concise(cfg: MLPConfig, ctx: RunContext) -> RunResult:
    model = build_concise(cfg)
    model.apply(init_normal(cfg.sigma))
    return train_classifier(cfg, ctx, model, SGD(model.parameters(), lr=cfg.lr), F.cross_entropy)


MLP_BOOK = MLPConfig()
DROPOUT_BOOK = MLPConfig(num_hiddens=(256, 256), dropouts=(0.5, 0.5))


MEASURED = "measured, 2 CPU cores"
MLP_TINY = {"max_epochs": 2, "batch_size": 64, "synthetic": True, "num_hiddens": (32,)}
MLP_PROFILES = {
    "book": Profile(MLP_BOOK, band=(0.83, 0.86), minutes=1.0, source="book §5.2: test acc 0.83-0.85 after 10 epochs"),
    "quick": Profile(replace(MLP_BOOK, max_epochs=3), band=(0.78, 0.83), minutes=0.4, source=MEASURED),
    "tiny": Profile(replace(MLP_BOOK, **MLP_TINY)),
}
DROPOUT_PROFILES = {
    "book": Profile(DROPOUT_BOOK, band=(0.83, 0.86), minutes=1.0, source="book §5.6: test acc ~0.84-0.85"),
    "quick": Profile(replace(DROPOUT_BOOK, max_epochs=3), band=(0.76, 0.82), minutes=0.4, source=MEASURED),
    "tiny": Profile(replace(DROPOUT_BOOK, **{**MLP_TINY, "num_hiddens": (32, 32)})),
}

for _name, _section, _run, _build, _profiles in (
    ("mlp-scratch", "5.2.1 MLP Implementation from Scratch", run_scratch, build_scratch, MLP_PROFILES),
    ("mlp", "5.2.2 Concise Implementation of MLPs", run_concise, build_concise, MLP_PROFILES),
    ("dropout-scratch", "5.6.2 Dropout from Scratch", run_scratch, build_scratch, DROPOUT_PROFILES),
    ("dropout", "5.6.3 Concise Dropout", run_concise, build_concise, DROPOUT_PROFILES),
):
    recipe(_name, section=_section, dataset="fashion-mnist", metric="test_acc", run=_run, distributed=True,
           data=FASHION_DATA, model=fashion_part(_build), **_profiles)  # fmt: skip
