"""Gradient descent, SGD and minibatch SGD on the airfoil data (book §12.5.4): the same linear regression with
batch 1,500 (lr 1, 10 epochs), 1 (lr 0.005), 100 (lr 0.4) and 10 (lr 0.05; 2 epochs each).

Every 200 examples the loss over all 1,500 rows is measured (outside the timed training), so `loss_vs_time.png`
and `loss_vs_examples.png` show the book's trade-off: one example per step makes the most progress per example
but the least per second; a full batch the reverse; small minibatches win on both when vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import torch

from dive.data import ArrayLoader
from dive.plot import plot_series
from dive.recipes.airfoil import AIRFOIL_DATA, AIRFOIL_PART, half_mse, linreg_model
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import run_fit
from dive.scratch import SGD
from dive.train import Callback

MAIN = "minibatch 10"  # its history and checkpoint sit at the top of the run directory; the others in sub-folders
RUNS = [("gd", 1500, 1.0, 10), ("sgd", 1, 0.005, 2), ("minibatch 100", 100, 0.4, 2), ("minibatch 10", 10, 0.05, 2)]


class LossTracker(Callback):
    """Every `every` examples, the loss on all data, with the training seconds and examples so far."""

    def __init__(self, X: torch.Tensor, y: torch.Tensor, batch_size: int, every: int = 200) -> None:
        self.X, self.y, self.batch_size, self.every = X, y, batch_size, every
        self.points: list[tuple[float, int, float]] = []

    def on_batch_end(self, trainer: Any, state: Any) -> None:
        seen = state.step * self.batch_size
        if seen // self.every > (seen - self.batch_size) // self.every:  # crossed a multiple of `every`
            with torch.no_grad():
                loss = float(half_mse(trainer.model(self.X), self.y))
            self.points.append((state.total_train_seconds + state.train_seconds, seen, loss))


@dataclass(frozen=True)
class MinibatchConfig(TrainConfig):
    """Book §12.5: the runs of batch sizes on the airfoil data are fixed (the book's); only their length scales."""

    epochs_scale: float = 1.0  # multiply every run's epochs (tests use less)


def run(cfg: MinibatchConfig, ctx: RunContext) -> RunResult:
    X, y = AIRFOIL_DATA.read(cfg, ctx.data_root)
    ctx.meta["features"] = X.shape[1]
    by_time, by_examples, metrics, lines = {}, {}, {}, []
    for name, batch, lr, epochs in RUNS:
        model = linreg_model(cfg.seed)
        batch = min(batch, len(X))
        tracker = LossTracker(X, y, batch)
        loader = ArrayLoader(X, y, batch_size=batch, shuffle=True, seed=cfg.seed)
        state, _, _ = run_fit(ctx, cfg, model=model, loss_fn=half_mse, optimizer=SGD(model.parameters(), lr=lr),
                              train_loader=loader, max_epochs=max(1, round(epochs * cfg.epochs_scale)),
                              sub=None if name == MAIN else name.replace(" ", "-"), quiet=True,
                              callbacks=[tracker])  # fmt: skip
        with torch.no_grad():
            final = float(half_mse(model(X), y))
        metrics[f"{name}_loss"] = final
        per_epoch = state.total_train_seconds / max(state.epoch, 1)
        lines.append(f"{name:14} (batch {batch:4}, lr {lr}): loss {final:.3f}, {per_epoch:.3f} sec/epoch")
        pts = tracker.points
        by_time[name] = ([max(p[0], 1e-5) for p in pts], [p[2] for p in pts])
        by_examples[name] = ([p[1] for p in pts], [p[2] for p in pts])
    plot_series(by_time, ctx.out_dir / "loss_vs_time.png", xlabel="training seconds", ylabel="loss", logx=True)
    plot_series(by_examples, ctx.out_dir / "loss_vs_examples.png", xlabel="examples", ylabel="loss", logx=True)
    (ctx.out_dir / "curves.png").write_bytes((ctx.out_dir / "loss_vs_time.png").read_bytes())
    metrics["worst_loss"] = max(metrics.values())
    return RunResult.of(metrics, lines)


BOOK = MinibatchConfig()
PROFILES = {
    "book": Profile(BOOK, band=(0.242, 0.26), minutes=0.5, source="book §12.5.4: every run ends near 0.243-0.25"),
    "quick": Profile(BOOK, band=(0.242, 0.26), minutes=0.5, source="same as book: it is already seconds"),
    "tiny": Profile(replace(BOOK, synthetic=True, epochs_scale=0.5)),
}
recipe("minibatch-sgd", section="12.5 Minibatch Stochastic Gradient Descent", dataset="airfoil", metric="worst_loss",
       run=run, higher_is_better=False, model=AIRFOIL_PART, data=AIRFOIL_DATA,
       **PROFILES,
)  # fmt: skip
