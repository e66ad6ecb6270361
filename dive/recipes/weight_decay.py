"""Weight decay (book §3.7): 200 features, 20 training examples; L2 regularisation fights the overfitting.

Both versions train twice, with `wd` and without (the book's two plots), and report the L2 norm of w and the
test loss. Loss is (y_hat - y)^2 / 2 in both, so the scratch penalty `wd * ||w||^2 / 2` and the concise
`SGD(weight_decay=wd)` (on the weight only, not the bias, as in the book) take identical steps.
Hyperparameters are the 1.0 edition's (w ~ N(0, 1), lr 0.003, 100 epochs), which show the effect most clearly.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch.nn.functional as F
from torch import nn

from dive import scratch
from dive.data import ArrayLoader, weight_decay_data
from dive.plot import plot_series
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import run_fit
from dive.recipes.parts import ModelPart
from dive.recipes.regress_predict import REGRESSOR, regress_export_input
from dive.train.optim import SGD


@dataclass(frozen=True)
class WeightDecayConfig(TrainConfig):
    """Book §3.7: 200 features from 20 examples, and the weight decay that fights the overfitting; the book's by
    default."""

    wd: float = 3.0
    lr: float = 0.003
    batch_size: int = 5
    max_epochs: int = 100
    num_train: int = 20
    num_test: int = 100
    num_inputs: int = 200
    sigma: float = 1.0
    compare: bool = True  # also train with wd = 0


SCRATCH_PART = ModelPart(
    build=lambda cfg, meta: scratch.LinearRegressionScratch(cfg.num_inputs, sigma=cfg.sigma),
    predictor=REGRESSOR,
    export_input=regress_export_input,
    legacy_meta=lambda folder, cfg: {"features": cfg.num_inputs},
)
CONCISE_PART = ModelPart(
    build=lambda cfg, meta: nn.Linear(cfg.num_inputs, 1),
    predictor=REGRESSOR,
    export_input=regress_export_input,
    legacy_meta=lambda folder, cfg: {"features": cfg.num_inputs},
)


def _train(cfg: WeightDecayConfig, ctx: RunContext, wd: float, concise: bool, sub: str | None):
    X, y = weight_decay_data(cfg.num_train, cfg.num_test, cfg.num_inputs, seed=cfg.seed)
    n = cfg.num_train
    train = ArrayLoader(X[:n], y[:n], batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed)
    test = ArrayLoader(X[n:], y[n:], batch_size=256)
    ctx.meta["features"] = cfg.num_inputs
    if concise:
        model = CONCISE_PART.build(cfg, ctx.meta)
        nn.init.normal_(model.weight, std=cfg.sigma)
        nn.init.zeros_(model.bias)
        w = model.weight
        opt = SGD([{"params": [model.weight], "weight_decay": wd}, {"params": [model.bias]}], lr=cfg.lr)

        def loss_fn(y_hat, y):
            return F.mse_loss(y_hat, y) / 2

    else:
        model = SCRATCH_PART.build(cfg, ctx.meta)
        w = model.w
        opt = scratch.SGD(model.parameters(), lr=cfg.lr)

        def loss_fn(y_hat, y):
            return scratch.squared_loss(y_hat, y) + wd * scratch.l2_penalty(model.w)

    state, _, history = run_fit(ctx, cfg, model=model, loss_fn=loss_fn, optimizer=opt, train_loader=train,
                                valid_loader=test, max_epochs=cfg.max_epochs, sub=sub, checkpoint_every_epochs=25,
                                quiet=True)  # fmt: skip
    epochs = [r for r in history.records if r["kind"] == "epoch"]
    return {**state.metrics, "l2_norm_w": float(w.detach().norm())}, epochs


def _run(cfg: WeightDecayConfig, ctx: RunContext, concise: bool) -> RunResult:
    main, main_curve = _train(cfg, ctx, cfg.wd, concise, None)
    series = {
        f"train (wd={cfg.wd:g})": ([r["epoch"] for r in main_curve], [r["train_loss"] for r in main_curve]),
        f"test (wd={cfg.wd:g})": ([r["epoch"] for r in main_curve], [r["test_loss"] for r in main_curve]),
    }
    summary = (
        f"wd {cfg.wd:g}: L2 norm of w {main['l2_norm_w']:.3f}, "
        f"train loss {main['train_loss']:.4g}, test loss {main['test_loss']:.4g}"
    )
    metrics = dict(main)
    if cfg.compare:
        plain, curve = _train(cfg, ctx, 0.0, concise, "no-decay")
        series["train (wd=0)"] = ([r["epoch"] for r in curve], [r["train_loss"] for r in curve])
        series["test (wd=0)"] = ([r["epoch"] for r in curve], [r["test_loss"] for r in curve])
        summary += f"; wd 0: L2 norm of w {plain['l2_norm_w']:.3f}, test loss {plain['test_loss']:.4g}"
        metrics.update({"no_decay_test_loss": plain["test_loss"], "no_decay_l2_norm_w": plain["l2_norm_w"]})
    plot_series(series, ctx.out_dir / "weight_decay.png", ylabel="loss", logy=True, title="weight decay (book §3.7)")
    return RunResult(metrics, summary, main.get("examples_per_sec"))


def run_scratch(cfg: WeightDecayConfig, ctx: RunContext) -> RunResult:
    return _run(cfg, ctx, concise=False)


def run_concise(cfg: WeightDecayConfig, ctx: RunContext) -> RunResult:
    return _run(cfg, ctx, concise=True)


BOOK = WeightDecayConfig()
PROFILES = {
    "book": Profile(BOOK, band=(0.0, 0.5), minutes=0.3, source="book 1.0 §4.5: wd 3 gives L2 norm of w ~0.35"),
    "quick": Profile(BOOK, band=(0.0, 0.5), minutes=0.3, source="same as book: it is already seconds"),
    "tiny": Profile(replace(BOOK, max_epochs=5, num_inputs=20)),
}

for _name, _section, _fn, _part in (
    ("weight-decay-scratch", "3.7.3 Weight Decay from Scratch", run_scratch, SCRATCH_PART),
    ("weight-decay", "3.7.4 Concise Weight Decay", run_concise, CONCISE_PART),
):
    recipe(_name, section=_section, dataset="synthetic", metric="l2_norm_w", run=_fn, higher_is_better=False,
           model=_part, **PROFILES)  # fmt: skip
