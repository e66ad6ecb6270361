"""Comparing optimizers on the airfoil regression (book §12.5-12.10, `train_ch11` / `train_concise_ch11`).

Linear regression (5 -> 1, weights from N(0, 0.01^2)) on the standardised 1,500 x 5 airfoil data, loss MSE / 2,
minibatches of 10, 2 epochs, each optimizer with the book's hyperparameters; `scratch=True` uses dive's own
(`dive.scratch.optimizers`), `scratch=False` torch.optim's. The metric is the loss over all 1,500 rows at the end,
which the book reports as about 0.243 for each of them. `loss_vs_examples.png` plots that loss every 200 examples.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import torch
from torch import Tensor, nn

from dive.core import ConfigError
from dive.data import ArrayLoader, fake_airfoil, load_airfoil
from dive.plot import plot_series
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import run_fit
from dive.recipes.parts import DataPart, ModelPart
from dive.recipes.regress_predict import REGRESSOR, regress_export_input
from dive.scratch import SGD, Adadelta, AdaGrad, Adam, Momentum, RMSProp, Yogi

# optimizer -> (scratch factory, torch factory or None, the book's hyperparameters)
BOOK_OPTIMIZERS: dict[str, tuple[Any, Any, dict[str, float]]] = {
    "sgd": (SGD, torch.optim.SGD, {"lr": 0.05}),
    "momentum": (lambda p, lr, beta: Momentum(p, lr, beta), lambda p, lr, beta: torch.optim.SGD(p, lr, momentum=beta),
                 {"lr": 0.02, "beta": 0.5}),
    "adagrad": (AdaGrad, torch.optim.Adagrad, {"lr": 0.1}),
    "rmsprop": (lambda p, lr, gamma: RMSProp(p, lr, gamma),
                lambda p, lr, gamma: torch.optim.RMSprop(p, lr, alpha=gamma), {"lr": 0.01, "gamma": 0.9}),
    # Adadelta's first steps are sqrt(eps) sized: torch's default eps 1e-6 (not the book's 1e-5) ends at 0.261
    "adadelta": (lambda p, rho: Adadelta(p, rho, eps=1e-5), lambda p, rho: torch.optim.Adadelta(p, rho=rho, eps=1e-5),
                 {"rho": 0.9}),
    "adam": (Adam, torch.optim.Adam, {"lr": 0.01}),
    "yogi": (Yogi, None, {"lr": 0.01}),
}  # fmt: skip


@dataclass(frozen=True)
class AirfoilConfig(TrainConfig):
    """Book §12.5-12.10 on the airfoil data: one optimizer (dive's from scratch, or torch.optim's) and its settings;
    the defaults are the book profile."""

    optimizer: str = "sgd"
    scratch: bool = True
    lr: float = 0.0  # 0: the book's value for this optimizer
    batch_size: int = 10
    max_epochs: int = 2
    log_every: int = 20  # 200 examples at batch 10, as the book's plot


def half_mse(y_hat: Tensor, y: Tensor) -> Tensor:
    """The book's squared loss: (y_hat - y)^2 / 2, averaged."""
    return ((y_hat - y) ** 2).mean() / 2


def make_optimizer(cfg: AirfoilConfig, params: Any) -> torch.optim.Optimizer:
    if cfg.optimizer not in BOOK_OPTIMIZERS:
        raise ConfigError(f"unknown optimizer {cfg.optimizer!r}; choose one of {', '.join(BOOK_OPTIMIZERS)}")
    ours, theirs, hyper = BOOK_OPTIMIZERS[cfg.optimizer]
    if not cfg.scratch and theirs is None:
        raise ConfigError(f"torch.optim has no {cfg.optimizer}; use --scratch=true")
    hyper = {**hyper, **({"lr": cfg.lr} if cfg.lr > 0 and "lr" in hyper else {})}
    return (ours if cfg.scratch else theirs)(params, **hyper)


# X (n, 5), y (n, 1): the standardised airfoil rows
AIRFOIL_DATA = DataPart(real=lambda cfg, root: load_airfoil(root), stand_in=lambda cfg: fake_airfoil(cfg.seed))


def linreg_model(seed: int) -> nn.Linear:
    """The chapter's linear regression, 5 -> 1: weights from N(0, 0.01^2), bias 0 (book `train_ch11`)."""
    torch.manual_seed(seed)
    model = nn.Linear(5, 1)
    nn.init.normal_(model.weight, std=0.01)
    nn.init.zeros_(model.bias)
    return model


# a row is the 5 standardised airfoil columns (`load_airfoil`), the output the standardised sound pressure
AIRFOIL_PART = ModelPart(build=lambda cfg, meta: nn.Linear(5, 1), predictor=REGRESSOR,
    export_input=regress_export_input,
                         legacy_meta=lambda folder, cfg: {"features": 5})  # fmt: skip


def run(cfg: AirfoilConfig, ctx: RunContext) -> RunResult:
    X, y = AIRFOIL_DATA.read(cfg, ctx.data_root)
    ctx.meta["features"] = X.shape[1]
    model = linreg_model(cfg.seed)
    optimizer = make_optimizer(cfg, model.parameters())
    train = ArrayLoader(X, y, batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed)
    whole = ArrayLoader(X, y, batch_size=len(X))
    state, _, history = run_fit(ctx, cfg, model=model, loss_fn=half_mse, optimizer=optimizer, train_loader=train,
                                valid_loader=whole, max_epochs=cfg.max_epochs, valid_name="all",
                                quiet=True)  # fmt: skip
    steps = [r for r in history.records if r.get("kind") == "step"]
    plot_series({cfg.optimizer: ([r["step"] * cfg.batch_size for r in steps], [r["loss"] for r in steps])},
                ctx.out_dir / "loss_vs_examples.png", xlabel="examples", ylabel="minibatch loss")  # fmt: skip
    metrics = dict(state.metrics)
    kind = "scratch" if cfg.scratch else "torch.optim"
    per_epoch = state.total_train_seconds / max(state.epoch, 1)
    summary = f"{cfg.optimizer} ({kind}): loss {metrics['all_loss']:.3f}, {per_epoch:.3f} sec/epoch"
    return RunResult.of(metrics, summary)


BOOK = AirfoilConfig()
PROFILES = {
    "book": Profile(BOOK, band=(0.242, 0.26), minutes=0.2, source="book §12.5-12.10: loss ~0.243 for each optimizer"),
    "quick": Profile(BOOK, band=(0.242, 0.26), minutes=0.2, source="same as book: it is already seconds"),
    "tiny": Profile(replace(BOOK, synthetic=True)),
}
recipe("airfoil", section="12.5-12.10 Optimization Algorithms (airfoil)", dataset="airfoil", metric="all_loss",
       run=run, higher_is_better=False, model=AIRFOIL_PART, data=AIRFOIL_DATA,
       **PROFILES,
)  # fmt: skip
