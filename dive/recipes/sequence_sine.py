"""Sequence models (book §9.1): predict x_t from the previous tau values of a noisy sine, then predict k steps ahead.

x_t = sin(0.01 t) + N(0, 0.2^2), t = 1..1000. Features are the tau = 4 previous values; the first 600 examples
train, the rest validate. One-step-ahead predictions track the curve; feeding predictions back in as inputs
(k-step-ahead) compounds the errors, and by k = 64 the prediction has decayed to a near-constant: the lesson of
the section. d2l 1.0 uses linear regression (SGD, lr 0.01); the zh 2.0 edition an MLP with 10 hidden units and
Adam (`--hidden=10 --optimizer=adam`). Unlike d2l 1.0's figure, which draws every k against the time axis of
k = 64 (shifting the 1-step curve by 63 steps), each curve here is drawn at the times it predicts (as zh 2.0 does).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import Tensor, nn

from dive.core import ConfigError
from dive.data import ArrayLoader, sine_data
from dive.plot import plot_series
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import run_fit
from dive.recipes.parts import ModelPart
from dive.recipes.regress_predict import REGRESSOR, regress_export_input
from dive.train.optim import SGD, Adam

STEPS = (1, 4, 16, 64)


@dataclass(frozen=True)
class SineConfig(TrainConfig):
    """Book §9.1: the noisy sine, the lag tau and the regression (linear, or the zh 2.0 MLP); the defaults are d2l
    1.0's."""

    T: int = 1000
    tau: int = 4
    num_train: int = 600
    noise: float = 0.2
    hidden: int = 0  # 0: linear regression (d2l 1.0); 10: the zh 2.0 MLP
    optimizer: str = "sgd"  # sgd | adam
    lr: float = 0.01
    batch_size: int = 16
    max_epochs: int = 5


def lag_features(x: Tensor, tau: int) -> tuple[Tensor, Tensor]:
    """features (T - tau, tau): row i = x[i : i + tau]; labels (T - tau, 1) = x[i + tau]."""
    T = x.numel()
    features = torch.stack([x[i : T - tau + i] for i in range(tau)], dim=1)
    return features, x[tau:].reshape(-1, 1)


@torch.no_grad()
def k_step_predictions(model: nn.Module, x: Tensor, tau: int, k: int) -> list[Tensor]:
    """The book's k_step_pred: entry j-1 (j = 1..k) holds the j-step-ahead predictions, each (T - tau - k + 1,).

    Column i + tau is predicted from columns i .. i + tau - 1, so after tau steps every input is a prediction.
    """
    T = x.numel()
    cols = [x[i : i + T - tau - k + 1] for i in range(tau)]
    for i in range(k):
        cols.append(model(torch.stack(cols[i : i + tau], dim=1)).reshape(-1))
    return cols[tau:]


def build_model(cfg: SineConfig) -> nn.Module:
    if cfg.hidden > 0:
        return nn.Sequential(nn.Linear(cfg.tau, cfg.hidden), nn.ReLU(), nn.Linear(cfg.hidden, 1))
    return nn.Linear(cfg.tau, 1)


def run(cfg: SineConfig, ctx: RunContext) -> RunResult:
    if cfg.optimizer not in ("sgd", "adam"):
        raise ConfigError(f"unknown optimizer {cfg.optimizer!r}; choose sgd or adam")
    time, x = sine_data(cfg.T, cfg.noise, cfg.seed)
    features, labels = lag_features(x, cfg.tau)
    n = cfg.num_train
    train = ArrayLoader(features[:n], labels[:n], batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed)
    valid = ArrayLoader(features[n:], labels[n:], batch_size=256)
    ctx.meta["features"] = cfg.tau  # a row is the last tau values; the output is the next one
    model = build_model(cfg)
    opt_cls = SGD if cfg.optimizer == "sgd" else Adam
    state, _, _ = run_fit(
        ctx,
        cfg,
        model=model,
        loss_fn=nn.functional.mse_loss,
        optimizer=opt_cls(model.parameters(), lr=cfg.lr),
        train_loader=train,
        valid_loader=valid,
        max_epochs=cfg.max_epochs,
        valid_name="valid",
    )
    metrics = dict(state.metrics)
    model.eval()
    preds = k_step_predictions(model, x, cfg.tau, STEPS[-1])
    L = preds[0].numel()
    lines = {"data": (time.tolist(), x.tolist())}
    for k in STEPS:
        first = cfg.tau + k - 1  # preds[k - 1][m] predicts x[m + tau + k - 1]
        err = preds[k - 1] - x[first : first + L]
        metrics[f"valid_mse_{k}step"] = float((err[n - k + 1 :] ** 2).mean())  # targets x[n + tau:], as valid
        lines[f"{k}-step"] = (time[first : first + L].tolist(), preds[k - 1].tolist())
    plot_series(lines, ctx.out_dir / "k_step.png", xlabel="time", ylabel="x", title="k-step-ahead predictions")
    summary = f"loss {metrics['train_loss']:.4f}, valid mse {metrics['valid_loss']:.4f}; k-step-ahead valid mse: " + (
        ", ".join(f"{k}: {metrics[f'valid_mse_{k}step']:.3f}" for k in STEPS)
    )
    return RunResult.of(metrics, summary)


BOOK = SineConfig()
PROFILES = {
    "book": Profile(BOOK, band=(0.0, 0.07), minutes=0.2, source="book §9.1: one-step mse ~ the noise variance 0.04"),
    "quick": Profile(BOOK, band=(0.0, 0.07), minutes=0.2, source="same as book: it is already seconds"),
    "tiny": Profile(replace(BOOK, T=200, num_train=120, max_epochs=2)),
}
SINE_PART = ModelPart(build=lambda cfg, meta: build_model(cfg), predictor=REGRESSOR,
    export_input=regress_export_input,
                      legacy_meta=lambda folder, cfg: {"features": cfg.tau})  # fmt: skip

recipe("sequence-sine", section="9.1 Working with Sequences", dataset="synthetic", metric="valid_loss", run=run,
       model=SINE_PART, higher_is_better=False,
       **PROFILES,
)  # fmt: skip
