"""Loggers beside history.jsonl, never instead of it: a CSV file of epochs, and TensorBoard's event files, so runs
can be compared in the tools people already have open (`dive run NAME --log tensorboard,csv`).

- `CSVLogger`: one row per epoch, the header from the first epoch's metric names (epoch, step, then sorted names);
  a resumed run keeps the rows of the epochs it had and appends.
- `TensorBoardLogger`: per-step loss and lr (every `log_every` steps, as history), per-epoch metrics, and at the end
  the config as hyperparameters with the final metrics; `log_images` adds a run's PNGs. Needs the `tensorboard`
  package (`pip install dive-dl[tensorboard]`).
"""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path
from typing import Any

from dive.core import ConfigError
from dive.train.trainer import Callback, FitState, Trainer

LOGGERS = ("tensorboard", "csv")


def parse_loggers(spec: str | None) -> tuple[str, ...]:
    """'tensorboard,csv' -> ("tensorboard", "csv"); an unknown name is one line naming the known ones."""
    names = tuple(n.strip() for n in (spec or "").split(",") if n.strip())
    unknown = [n for n in names if n not in LOGGERS]
    if unknown:
        raise ConfigError(f"unknown logger {unknown[0]!r} in --log; choose from {', '.join(LOGGERS)}")
    return names


class CSVLogger(Callback):
    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.fields: list[str] | None = None

    def on_fit_start(self, trainer: Trainer, state: FitState) -> None:
        if state.epoch > 0 and self.path.exists():  # resumed: keep the epochs that are done
            with self.path.open(newline="") as f:
                rows = [r for r in csv.DictReader(f) if int(r["epoch"]) <= state.epoch]
            if rows:
                self.fields = list(rows[0])
                self._write(rows, "w")
                return
        self.path.unlink(missing_ok=True)

    def _write(self, rows: list[dict[str, Any]], mode: str) -> None:
        header = mode == "w" or not self.path.exists()
        with self.path.open(mode if not header else "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=self.fields, extrasaction="ignore")
            if header:
                writer.writeheader()
            writer.writerows(rows)

    def on_epoch_end(self, trainer: Trainer, state: FitState) -> None:
        row = {"epoch": state.epoch, "step": state.step, **state.metrics}
        if self.fields is None:
            self.fields = ["epoch", "step", *sorted(state.metrics)]
        self._write([row], "a")


def _writer(log_dir: Path):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise ConfigError("--log tensorboard needs the tensorboard package: pip install tensorboard") from None
    return SummaryWriter(log_dir=str(log_dir))


class TensorBoardLogger(Callback):
    """Event files under `log_dir` (`tensorboard --logdir runs/` shows every run); `config` becomes the hparams."""

    def __init__(self, log_dir: str | os.PathLike, config: dict[str, Any], log_every: int = 50) -> None:
        self.log_dir, self.config, self.log_every = Path(log_dir), config, log_every
        self.writer = None

    def on_fit_start(self, trainer: Trainer, state: FitState) -> None:
        self.writer = _writer(self.log_dir)

    def on_batch_end(self, trainer: Trainer, state: FitState) -> None:
        if state.stepped_every(self.log_every) and state.last_loss is not None:
            self.writer.add_scalar("train/step_loss", float(state.last_loss), state.step)
            self.writer.add_scalar("train/lr", trainer.optimizer.param_groups[0]["lr"], state.step)

    def on_epoch_end(self, trainer: Trainer, state: FitState) -> None:
        for name, value in state.metrics.items():
            self.writer.add_scalar(f"epoch/{name}", value, state.epoch)
        self.writer.add_scalar("epoch/lr", trainer.optimizer.param_groups[0]["lr"], state.epoch)
        self.writer.flush()

    def on_fit_end(self, trainer: Trainer, state: FitState) -> None:
        hparams = {k: v if isinstance(v, (int, float, str, bool)) else str(v) for k, v in self.config.items()}
        final = {f"hparam/{k}": v for k, v in state.metrics.items() if isinstance(v, float) and math.isfinite(v)}
        self.writer.add_hparams(hparams, final, run_name=".")
        self.writer.close()


def log_images(log_dir: str | os.PathLike, folder: str | os.PathLike) -> int:
    """Add every PNG in `folder` (curves, detections, samples) to the event files under `log_dir`; how many."""
    import numpy as np
    from PIL import Image

    pngs = sorted(Path(folder).glob("*.png"))
    if not pngs:
        return 0
    writer = _writer(Path(log_dir))
    for png in pngs:
        with Image.open(png) as im:
            writer.add_image(f"figures/{png.stem}", np.asarray(im.convert("RGB")), dataformats="HWC")
    writer.close()
    return len(pngs)
