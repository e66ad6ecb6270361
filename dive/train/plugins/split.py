"""The batch split across a CPU's cores (`dive.train.split.BatchSplit`) as the runner of a training step: each
part's forward, loss and backward on a thread of its own, their gradients summed in a fixed order."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from torch import nn

from dive.core import ConfigError
from dive.train.plugins import Plugin
from dive.train.split import BatchSplit, merged_loss

if TYPE_CHECKING:
    from dive.train.trainer import Trainer


class SplitPlugin(Plugin):
    name = "split"
    runs_steps = True

    def __init__(self, model: nn.Module, parts: int) -> None:
        self.splitter = BatchSplit(model, parts)

    def setup(self, trainer: Trainer) -> None:
        if trainer.train_loader is not None and trainer.train_loader.carries_state:
            raise ConfigError("a state carried between batches cannot be split across threads: use --split=1")

    def epoch_context(self) -> contextlib.AbstractContextManager:
        return self.splitter.threads()

    def run(self, trainer: Trainer, batch: list[Any], hidden: Any, scale: float) -> tuple[list[Any], Any, Any]:
        outs = self.splitter(trainer.step, trainer.train_forward, batch, trainer.amp.autocast, scale)
        return outs, merged_loss(outs), None
