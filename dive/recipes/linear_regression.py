"""Linear regression on the book's synthetic data (book §3.4 from scratch, §3.5 concise).

Data: y = X [2, -3.4] + 4.2 + N(0, 0.01^2), 1000 training and 1000 validation examples. The target is recovering
w and b: the book (1.0 edition: batch 10, lr 0.03, 3 epochs) prints errors of about 1e-3 or less.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F

from dive import scratch
from dive.data import ArrayLoader, linear_data
from dive.models import LinearRegression
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import run_fit
from dive.recipes.parts import ModelPart
from dive.recipes.regress_predict import REGRESSOR, regress_export_input
from dive.train.optim import SGD


@dataclass(frozen=True)
class LinRegConfig(TrainConfig):
    """Book §3.4-3.5: the generated data (true w and b, noise) and minibatch SGD; the defaults are the book's."""

    lr: float = 0.03
    batch_size: int = 10
    max_epochs: int = 3
    num_train: int = 1000
    num_val: int = 1000
    noise: float = 0.01
    true_w: tuple[float, ...] = (2.0, -3.4)
    true_b: float = 4.2


def _fit(cfg: LinRegConfig, ctx: RunContext, model, loss_fn, optimizer) -> tuple[torch.Tensor, torch.Tensor, dict]:
    X, y = linear_data(cfg.true_w, cfg.true_b, cfg.num_train + cfg.num_val, cfg.noise, seed=cfg.seed)
    ctx.meta["features"] = len(cfg.true_w)
    n = cfg.num_train
    train = ArrayLoader(X[:n], y[:n], batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed)
    val = ArrayLoader(X[n:], y[n:], batch_size=256)
    state, _, _ = run_fit(ctx, cfg, model=model, loss_fn=loss_fn, optimizer=optimizer, train_loader=train,
                          valid_loader=val, max_epochs=cfg.max_epochs, valid_name="val", quiet=True)  # fmt: skip
    return state.metrics


def _result(cfg: LinRegConfig, w: torch.Tensor, b: torch.Tensor, metrics: dict) -> RunResult:
    w_err = torch.tensor(cfg.true_w) - w.detach().reshape(-1).cpu()
    b_err = cfg.true_b - float(b.detach().reshape(-1)[0])
    out = {
        **metrics,
        "w_error_max": float(w_err.abs().max()),
        "b_error": abs(b_err),
        "param_error": max(float(w_err.abs().max()), abs(b_err)),
    }
    w_text = ", ".join(f"{v:.4f}" for v in w_err.tolist())
    summary = (
        f"error in estimating w: [{w_text}], error in estimating b: {b_err:.4f}, val loss {metrics['val_loss']:.6f}"
    )
    return RunResult(out, summary, metrics.get("examples_per_sec"))


SCRATCH_PART = ModelPart(
    build=lambda cfg, meta: scratch.LinearRegressionScratch(len(cfg.true_w), sigma=0.01),
    predictor=REGRESSOR,
    export_input=regress_export_input,
    legacy_meta=lambda folder, cfg: {"features": len(cfg.true_w)},
)
CONCISE_PART = ModelPart(
    build=lambda cfg, meta: LinearRegression(len(cfg.true_w)),
    predictor=REGRESSOR,
    export_input=regress_export_input,
    legacy_meta=lambda folder, cfg: {"features": len(cfg.true_w)},
)


def run_scratch(cfg: LinRegConfig, ctx: RunContext) -> RunResult:
    model = SCRATCH_PART.build(cfg, {})
    metrics = _fit(cfg, ctx, model, scratch.squared_loss, scratch.SGD(model.parameters(), lr=cfg.lr))
    return _result(cfg, model.w, model.b, metrics)


def run_concise(cfg: LinRegConfig, ctx: RunContext) -> RunResult:
    model = CONCISE_PART.build(cfg, {})
    metrics = _fit(cfg, ctx, model, F.mse_loss, SGD(model.parameters(), lr=cfg.lr))
    return _result(cfg, model.net.weight, model.net.bias, metrics)


BOOK = LinRegConfig()
PROFILES = {
    "book": Profile(BOOK, band=(0.0, 0.01), minutes=0.2, source="book §3.4: errors in w and b ~1e-3"),
    "quick": Profile(BOOK, band=(0.0, 0.01), minutes=0.2, source="same as book: it is already seconds"),
    "tiny": Profile(replace(BOOK, num_train=200, num_val=100, max_epochs=2)),
}

for _name, _section, _fn, _part in (
    ("linreg-scratch", "3.4 Linear Regression Implementation from Scratch", run_scratch, SCRATCH_PART),
    ("linreg", "3.5 Concise Implementation of Linear Regression", run_concise, CONCISE_PART),
):
    recipe(_name, section=_section, dataset="synthetic", metric="param_error", run=_fn, higher_is_better=False,
           model=_part, **PROFILES)  # fmt: skip
