"""Callbacks for the `fit` loop: progress, history, checkpoints, early stopping, and a NaN/inf guard.

Order matters where it says so: put `NanGuard` before `Checkpoint`, so that a diverged model is never saved.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from dive.core import ConfigError, DiveError
from dive.train.checkpoint import save_checkpoint
from dive.train.trainer import Callback, FitState, StopTraining, Trainer


class TrainingDiverged(DiveError):
    """The loss became NaN or infinite."""


class NanGuard(Callback):
    """Stop with a clear message when the training loss (checked every `every` steps) or a metric is not finite."""

    def __init__(self, every: int = 1, checkpoint_path: str | os.PathLike | None = None) -> None:
        self.every = max(1, every)
        self.checkpoint_path = checkpoint_path

    def _fail(self, what: str, state: FitState) -> None:
        where = f"epoch {state.epoch + 1}, step {state.step}"
        kept = ""
        if self.checkpoint_path and Path(self.checkpoint_path).exists():
            kept = f"; the last good checkpoint is kept at {self.checkpoint_path}"
        raise TrainingDiverged(f"{what} at {where}{kept}. Try a smaller learning rate (--lr=...) or gradient clipping.")

    def on_batch_end(self, trainer: Trainer, state: FitState) -> None:
        if state.step % self.every == 0 and state.last_loss is not None:
            loss = float(state.last_loss)
            if not math.isfinite(loss):
                self._fail(f"training loss became {loss}", state)

    def on_epoch_end(self, trainer: Trainer, state: FitState) -> None:
        for key, value in state.metrics.items():
            if key.endswith("loss") and not math.isfinite(value):
                self._fail(f"{key} became {value}", state)


class History(Callback):
    """Append JSON lines to `path`: {"kind": "epoch", ...metrics} each epoch, {"kind": "step", ...} every `log_every`.

    On a resumed run, records past the checkpoint's step (written before the crash, about to be redone) are dropped.
    """

    def __init__(self, path: str | os.PathLike, log_every: int = 50) -> None:
        self.path = Path(path)
        self.log_every = log_every
        self.records: list[dict[str, Any]] = []
        self._file: TextIO | None = None

    def on_fit_start(self, trainer: Trainer, state: FitState) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        kept = []
        if state.step > 0 and self.path.exists():
            for line in self.path.read_text().splitlines():
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    break  # a line cut short by a crash
                if rec.get("step", 0) <= state.step:
                    kept.append(rec)
        self.records = kept
        self._file = open(self.path, "w")
        for rec in kept:
            self._file.write(json.dumps(rec) + "\n")
        self._file.flush()

    def _write(self, rec: dict[str, Any]) -> None:
        self.records.append(rec)
        if self._file is not None:
            self._file.write(json.dumps(rec) + "\n")
            self._file.flush()

    def on_batch_end(self, trainer: Trainer, state: FitState) -> None:
        if state.stepped_every(self.log_every) and state.last_loss is not None:
            lr = trainer.optimizer.param_groups[0]["lr"]
            self._write(
                {"kind": "step", "epoch": state.epoch, "step": state.step, "loss": float(state.last_loss), "lr": lr}
            )

    def on_epoch_end(self, trainer: Trainer, state: FitState) -> None:
        self._write({"kind": "epoch", "epoch": state.epoch, "step": state.step, **state.metrics})

    def on_fit_end(self, trainer: Trainer, state: FitState) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class Checkpoint(Callback):
    """Save a checkpoint every `every_epochs` epochs (and at the last), every `every_steps` steps (0: never
    mid-epoch), and at the end of the fit; atomically, and never over the last good file with a diverged model."""

    def __init__(
        self,
        path: str | os.PathLike,
        every_steps: int = 0,
        extra: dict[str, Any] | None = None,
        every_epochs: int = 1,
    ) -> None:
        self.path = Path(path)
        self.every_steps = every_steps
        self.every_epochs = max(1, every_epochs)
        self.extra = extra or {}
        self._saved_step = -1

    def save(self, trainer: Trainer, state: FitState) -> None:
        if state.last_loss is not None and not math.isfinite(float(state.last_loss)):
            return  # never replace the last good checkpoint with a diverged model
        state.plugins = trainer.plugin_state()
        save_checkpoint(self.path, trainer.model, trainer.optimizer, trainer.scheduler, state, self.extra)
        self._saved_step = state.step

    def on_batch_end(self, trainer: Trainer, state: FitState) -> None:
        # only between optimizer steps: gradients accumulated for the next one are not in a checkpoint
        if state.stepped_every(self.every_steps):
            self.save(trainer, state)

    def on_epoch_end(self, trainer: Trainer, state: FitState) -> None:
        if state.epoch % self.every_epochs == 0 or state.epoch == trainer.max_epochs:
            self.save(trainer, state)

    def on_fit_end(self, trainer: Trainer, state: FitState) -> None:
        if self._saved_step != state.step:
            self.save(trainer, state)


class EarlyStopping(Callback):
    """Stop when `monitor` (e.g. "test_loss") has not improved by `min_delta` for `patience` epochs; with
    `restore_best` the model ends with the weights of its best epoch (kept in memory, on the CPU). `report()` says
    what happened: stopped at epoch N or ran to the end, the best epoch and value, whether weights were restored."""

    def __init__(
        self,
        monitor: str = "test_loss",
        patience: int = 3,
        mode: str = "min",
        min_delta: float = 0.0,
        restore_best: bool = False,
    ) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        if patience < 1 or min_delta < 0:
            raise ConfigError(f"early stopping needs patience >= 1 and min_delta >= 0, got {patience}, {min_delta}")
        self.monitor, self.patience, self.mode, self.min_delta = monitor, patience, mode, min_delta
        self.restore_best = restore_best
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.bad_epochs = 0
        self.restored = False
        self._best_weights: dict[str, Any] | None = None

    def on_epoch_end(self, trainer: Trainer, state: FitState) -> None:
        if self.monitor not in state.metrics:
            raise DiveError(f"early stopping monitors {self.monitor!r}, not among {sorted(state.metrics)}")
        value = state.metrics[self.monitor]
        better = self.best is None or (
            value < self.best - self.min_delta if self.mode == "min" else value > self.best + self.min_delta
        )
        if better:
            self.best, self.best_epoch, self.bad_epochs = value, state.epoch, 0
            if self.restore_best:
                self._best_weights = {k: v.detach().to("cpu", copy=True) for k, v in trainer.model.state_dict().items()}
        else:
            self.bad_epochs += 1
            if self.bad_epochs >= self.patience:
                self.stopped_epoch = state.epoch
                raise StopTraining(f"{self.monitor} has not improved for {self.patience} epochs")

    def on_fit_end(self, trainer: Trainer, state: FitState) -> None:
        if self.restore_best and self._best_weights is not None and self.best_epoch != state.epoch:
            trainer.model.load_state_dict(self._best_weights)
            self.restored = True

    def report(self) -> dict[str, Any]:
        return {"monitor": self.monitor, "mode": self.mode, "patience": self.patience, "min_delta": self.min_delta,
                "stopped_at_epoch": self.stopped_epoch, "best_epoch": self.best_epoch, "best_value": self.best,
                "restored_best_weights": self.restored}  # fmt: skip


# how a metric's name says which way is better: a word of the name that starts with one of these ("test_acc",
# "valid_map50", "test_hit@50", "valid_rmse"); the lower-is-better words are looked for first ("mape" is an error)
_LOWER = ("loss", "err", "rmse", "mse", "mae", "mape", "perplexity", "ppl", "nll", "nlpd", "bce", "distance", "fid",
          "gap", "diff")  # fmt: skip
_HIGHER = ("acc", "bleu", "map", "auc", "f1", "iou", "hit", "ndcg", "spearman", "precision", "recall", "r2",
           "return", "success")  # fmt: skip


def metric_mode(name: str, known: Mapping[str, bool] | None = None, default: str | None = None) -> str:
    """ "max" or "min" for a metric: from `known` ({name: higher is better}, e.g. a recipe's own metric), else from
    the words of its name; a name that says neither gives `default`, or without one is a one-line error."""
    if known and name in known:
        return "max" if known[name] else "min"
    words = [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]
    for hints, mode in ((_LOWER, "min"), (_HIGHER, "max")):
        if any(w.startswith(h) for w in words for h in hints):
            return mode
    if default is not None:
        return default
    raise ConfigError(f"cannot tell whether {name!r} should rise or fall; the names known start with "
                      f"{', '.join(_LOWER)} (lower is better) or {', '.join(_HIGHER)} (higher)")  # fmt: skip


def parse_early_stop(spec: str, restore_best: bool = True, known: Mapping[str, bool] | None = None) -> EarlyStopping:
    """'METRIC:PATIENCE[:MIN_DELTA]' (e.g. 'test_loss:3' or 'test_acc:5:0.001') -> an `EarlyStopping`; `known`:
    metrics whose direction is given ({name: higher is better}), the rest read from their names."""
    parts = spec.split(":")
    try:
        if len(parts) not in (2, 3) or not parts[0]:
            raise ValueError
        patience, min_delta = int(parts[1]), float(parts[2]) if len(parts) == 3 else 0.0
    except ValueError:
        raise ConfigError(f"--early_stop is METRIC:PATIENCE[:MIN_DELTA], e.g. test_loss:3; got {spec!r}") from None
    return EarlyStopping(parts[0], patience, metric_mode(parts[0], known), min_delta, restore_best)


class Progress(Callback):
    """A tqdm bar over the batches of each epoch on a terminal. Elsewhere (a log file, CI, nohup) one plain line per
    epoch, and within a long epoch a line every `every_seconds` with the batch count, loss, speed and time left."""

    def __init__(
        self, stream: TextIO | None = None, bar: bool | None = None, describe=None, every_seconds: float = 60.0
    ) -> None:
        self.stream = stream or sys.stderr
        self.bar = self.stream.isatty() if bar is None else bar
        self.describe = describe or (lambda metrics: ", ".join(f"{k} {v:.4g}" for k, v in metrics.items()))
        self.every_seconds = every_seconds
        self._tqdm: Any = None
        self._last_line = time.monotonic()

    def _speed(self, state: FitState) -> float:
        seen = float(state.sums["count"]) if "count" in state.sums else 0.0
        return seen / state.train_seconds if state.train_seconds > 0 else 0.0

    def _plain_line(self, trainer: Trainer, state: FitState) -> None:
        now = time.monotonic()
        if now - self._last_line < self.every_seconds or state.last_loss is None:
            return
        self._last_line = now
        total = len(trainer.train_loader) or None  # a Loader's len is 0 when unknown
        where = f"{state.batch}/{total}" if total else f"{state.batch}"
        left = ""
        if total and state.batch and state.train_seconds > 0:
            left = f", ~{state.train_seconds / state.batch * (total - state.batch) / 60:.1f} min left in the epoch"
        print(
            f"epoch {state.epoch + 1}/{trainer.max_epochs}: batch {where}, loss {float(state.last_loss):.4f}, "
            f"{self._speed(state):,.0f} examples/s{left}",
            file=self.stream,
            flush=True,
        )

    def _open(self, trainer: Trainer, state: FitState) -> None:
        from tqdm.auto import tqdm

        total = len(trainer.train_loader) or None  # a Loader's len is 0 when unknown
        self._tqdm = tqdm(
            total=total,
            initial=state.batch,
            desc=f"epoch {state.epoch + 1}/{trainer.max_epochs}",
            file=self.stream,
            leave=False,
            unit="batch",
        )

    def on_batch_end(self, trainer: Trainer, state: FitState) -> None:
        if not self.bar:
            self._plain_line(trainer, state)
            return
        if self._tqdm is None:
            self._open(trainer, state)
        self._tqdm.update(1)
        if state.step % 10 == 0 and state.last_loss is not None:
            self._tqdm.set_postfix_str(f"loss {float(state.last_loss):.4f}, {self._speed(state):,.0f} examples/s")

    def on_epoch_end(self, trainer: Trainer, state: FitState) -> None:
        if self._tqdm is not None:
            self._tqdm.close()
            self._tqdm = None
        shown = {k: v for k, v in state.metrics.items() if k != "epoch_seconds"}
        print(f"epoch {state.epoch}/{trainer.max_epochs}: {self.describe(shown)}", file=self.stream, flush=True)

    def on_fit_end(self, trainer: Trainer, state: FitState) -> None:
        if self._tqdm is not None:
            self._tqdm.close()
            self._tqdm = None
