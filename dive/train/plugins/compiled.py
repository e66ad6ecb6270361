"""`torch.compile` as a plugin (book §13.1's hybrid programming, PyTorch 2's way): the model is called through a
compiled wrapper that shares its parameters, so checkpoints and `trainer.model` stay the plain module."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from dive.train.plugins import Plugin


class CompilePlugin(Plugin):
    """Calls the model (or its data-parallel wrapper) through `torch.compile`; one compiled wrapper per callable,
    so evaluation and training share it when they call the same module."""

    name = "compile"

    def __init__(self) -> None:
        self._compiled: dict[int, Callable[..., Any]] = {}

    def wrap_forward(self, forward: Callable[..., Any], training: bool) -> Callable[..., Any]:
        if id(forward) not in self._compiled:
            self._compiled[id(forward)] = torch.compile(forward)
        return self._compiled[id(forward)]
