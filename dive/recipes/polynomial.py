"""Underfitting and overfitting with polynomial regression (book §3.6; 1.0 edition §4.4).

y = 5 + 1.2 x - 3.4 x^2/2! + 5.6 x^3/3! + N(0, 0.1^2); the model is linear in the features x^i / i!.
- 4 features (degree 3, the true order): the weights come back close to [5, 1.2, -3.4, 5.6];
- 2 features (linear): underfits, train and test loss stay high;
- 20 features: overfits, train loss falls below test loss.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import nn

from dive.core import ConfigError
from dive.data import ArrayLoader, polynomial_data
from dive.plot import plot_series
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import run_fit
from dive.recipes.parts import ModelPart
from dive.recipes.regress_predict import REGRESSOR, regress_export_input
from dive.train.optim import SGD


@dataclass(frozen=True)
class PolynomialConfig(TrainConfig):
    """Book §3.6: the generated polynomial data and the three fits (normal, underfit, overfit), as the book."""

    lr: float = 0.01
    batch_size: int = 10
    max_degree: int = 20
    n_train: int = 100
    n_test: int = 100
    true_w: tuple[float, ...] = (5.0, 1.2, -3.4, 5.6)
    num_features: tuple[int, ...] = (4, 2, 20)  # normal fit first: its weights are the target metric
    epochs: tuple[int, ...] = (400, 400, 1500)


POLY_PART = ModelPart(
    build=lambda cfg, meta: nn.Linear(meta["features"], 1, bias=False),  # the constant feature x^0 plays the bias
    predictor=REGRESSOR,
    export_input=regress_export_input,
    legacy_meta=lambda folder, cfg: {"features": cfg.num_features[0], "expand": "polynomial"},
)


def run(cfg: PolynomialConfig, ctx: RunContext) -> RunResult:
    if len(cfg.num_features) != len(cfg.epochs):
        raise ConfigError("give one epoch count per entry of num_features")
    features, labels = polynomial_data(cfg.true_w, cfg.max_degree, cfg.n_train, cfg.n_test, seed=cfg.seed)
    n = cfg.n_train
    metrics: dict[str, float] = {}
    parts, series = [], {}
    for k, (d, epochs) in enumerate(zip(cfg.num_features, cfg.epochs, strict=True)):
        train = ArrayLoader(features[:n, :d], labels[:n], batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed)
        test = ArrayLoader(features[n:, :d], labels[n:], batch_size=256)
        ctx.meta.update(features=d, expand="polynomial")  # a row is one x; its features x^i / i!
        model = POLY_PART.build(cfg, ctx.meta)
        state, _, history = run_fit(
            ctx,
            cfg,
            model=model,
            loss_fn=F.mse_loss,
            optimizer=SGD(model.parameters(), lr=cfg.lr),
            train_loader=train,
            valid_loader=test,
            max_epochs=epochs,
            sub=None if k == 0 else f"features-{d}",
            checkpoint_every_epochs=100,
            quiet=True,
        )
        w = model.weight.detach().reshape(-1).cpu()
        m = state.metrics
        metrics[f"train_loss_{d}"], metrics[f"test_loss_{d}"] = m["train_loss"], m["test_loss"]
        if k == 0:
            target = torch.zeros(d)
            target[: min(d, len(cfg.true_w))] = torch.tensor(cfg.true_w[:d])
            metrics["weight_error"] = float((w - target).abs().max())
            metrics["examples_per_sec"] = m["examples_per_sec"]
        shown = ", ".join(f"{v:.3f}" for v in w[:4].tolist()) + (", ..." if d > 4 else "")
        parts.append(
            f"{d} features: weight [{shown}], train loss {m['train_loss']:.4f}, test loss {m['test_loss']:.4f}"
        )
        epochs_ = [r for r in history.records if r["kind"] == "epoch"]
        series[f"train ({d})"] = ([r["epoch"] for r in epochs_], [r["train_loss"] for r in epochs_])
        series[f"test ({d})"] = ([r["epoch"] for r in epochs_], [r["test_loss"] for r in epochs_])
    plot_series(series, ctx.out_dir / "fits.png", ylabel="loss", logy=True, title="polynomial fits (book §3.6)")
    return RunResult.of(metrics, "; ".join(parts))


BOOK = PolynomialConfig()
PROFILES = {
    "book": Profile(BOOK, band=(0.0, 0.1), minutes=0.5, source="book §3.6: weights ~[5.0, 1.2, -3.4, 5.6]"),
    "quick": Profile(
        replace(BOOK, epochs=(200, 200, 400)), band=(0.0, 0.2), minutes=0.3, source="measured, 2 CPU cores"
    ),
    "tiny": Profile(replace(BOOK, epochs=(3, 2, 2), n_train=30, n_test=30)),
}

recipe("polynomial", section="3.6 Generalization: polynomial under- and over-fitting", dataset="synthetic",
       metric="weight_error", run=run, higher_is_better=False, model=POLY_PART,
       **PROFILES,
)  # fmt: skip
