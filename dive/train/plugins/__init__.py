"""Execution strategies as plugins: how a step runs, not what it computes (as Lightning's strategies and precision
plugins, fastai's callbacks that own mixed precision).

`Trainer` keeps one loop body and knows none of them; it calls every plugin at a few fixed points:

    setup(trainer)                 once, at fit start (the allocator's thresholds, a resumed scaler's state)
    fit_context() / epoch_context()   around the fit (layers kept in fp32) / a training epoch (the split's threads)
    wrap_forward(forward, training)   what the model is called through (torch.compile, DistributedDataParallel)
    reduce(sums)                   an epoch's running sums, across processes
    state_dict() / load_state_dict()   what a checkpoint keeps (the fp16 gradient scaler)

and two plugins in their own roles: the precision plugin (autocast, the loss's backward, the optimizer's step:
`dive.train.plugins.precision`) and the runner that turns a batch into gradients (the whole batch, or
`dive.train.plugins.split`'s parts on threads).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dive.train.trainer import Trainer


class Plugin:
    """A strategy the loop calls at fixed points; every hook does nothing unless overridden."""

    name = "plugin"
    runs_steps = False  # True for a plugin that turns a batch into gradients itself (`run`), as the split does

    def setup(self, trainer: Trainer) -> None:
        pass

    def fit_context(self) -> contextlib.AbstractContextManager:
        return contextlib.nullcontext()

    def epoch_context(self) -> contextlib.AbstractContextManager:
        return contextlib.nullcontext()

    def wrap_forward(self, forward: Callable[..., Any], training: bool) -> Callable[..., Any]:
        return forward

    def reduce(self, sums: dict[str, Any]) -> dict[str, Any]:
        return sums

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


class WholeBatch:
    """The default runner: the step on the whole batch under the precision plugin's autocast, then its backward.
    `run` returns (the step outputs, the batch's detached loss, the state a sequence model carries)."""

    def run(self, trainer: Trainer, batch: list[Any], hidden: Any, scale: float) -> tuple[list[Any], Any, Any]:
        with trainer.amp.autocast():
            out = trainer.step(trainer.train_forward, batch, hidden)
        if out.loss.requires_grad:  # a step may set the gradients itself (dive.train.embedding)
            trainer.amp.backward(out.loss, scale)
        return [out], out.loss.detach(), out.state
