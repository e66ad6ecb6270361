"""Softmax regression on Fashion-MNIST (book §4.4 from scratch, §4.5 concise)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F

from dive import scratch
from dive.models import SoftmaxRegression
from dive.recipes.base import Profile, RunContext, RunResult, recipe
from dive.recipes.classify import FASHION_DATA, FashionConfig, fashion_part, train_classifier
from dive.train.optim import SGD


@dataclass(frozen=True)
class SoftmaxConfig(FashionConfig):
    """Book: lr 0.1, batch 256, 10 epochs; weights ~ N(0, 0.01^2)."""

    sigma: float = 0.01


def build_scratch(cfg: SoftmaxConfig) -> torch.nn.Module:
    return scratch.SoftmaxRegressionScratch(28 * 28, 10, sigma=cfg.sigma)


def build_concise(cfg: SoftmaxConfig) -> torch.nn.Module:
    return SoftmaxRegression(28 * 28, 10)


def run_scratch(cfg: SoftmaxConfig, ctx: RunContext) -> RunResult:
    model = build_scratch(cfg)
    return train_classifier(cfg, ctx, model, scratch.SGD(model.parameters(), lr=cfg.lr), scratch.cross_entropy)


def run_concise(cfg: SoftmaxConfig, ctx: RunContext) -> RunResult:
    model = build_concise(cfg)
    torch.nn.init.normal_(model.net[1].weight, std=cfg.sigma)
    torch.nn.init.zeros_(model.net[1].bias)
    return train_classifier(cfg, ctx, model, SGD(model.parameters(), lr=cfg.lr), F.cross_entropy)


BOOK = SoftmaxConfig()
PROFILES = {
    "book": Profile(BOOK, band=(0.81, 0.85), minutes=0.5, source="book §4.4/§4.5: test acc ~0.83 after 10 epochs"),
    "quick": Profile(replace(BOOK, max_epochs=3), band=(0.79, 0.83), minutes=0.3, source="measured, 2 CPU cores"),
    "tiny": Profile(replace(BOOK, max_epochs=2, batch_size=64, synthetic=True)),
}

for _name, _section, _run, _build in (
    ("softmax-scratch", "4.4 Softmax Regression Implementation from Scratch", run_scratch, build_scratch),
    ("softmax", "4.5 Concise Implementation of Softmax Regression", run_concise, build_concise),
):
    recipe(_name, section=_section, dataset="fashion-mnist", metric="test_acc", run=_run, distributed=True,
           data=FASHION_DATA, model=fashion_part(_build), **PROFILES)  # fmt: skip
