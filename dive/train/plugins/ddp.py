"""Data parallelism across processes (book §13.5-13.6, `DistributedDataParallel`) as a plugin: training calls the
model through DDP, which averages the gradients in backward; an epoch's sums are added over all processes, so every
process reports the global figures. The loaders must already be sharded (`dive.train.distributed.shard_loader`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from dive.train.distributed import all_reduce_sums
from dive.train.plugins import Plugin


class DataParallelPlugin(Plugin):
    """`wrap=False` for an optimizer that averages gradients itself (`syncs_gradients`, e.g. the book's
    all-reduce SGD): then only the sums are reduced."""

    name = "ddp"

    def __init__(self, model: nn.Module, device: torch.device, wrap: bool = True) -> None:
        self.model, self.device, self.wrap = model, device, wrap
        self._ddp: DistributedDataParallel | None = None

    def wrap_forward(self, forward: Callable[..., Any], training: bool) -> Callable[..., Any]:
        if not (training and self.wrap):
            return forward  # evaluation runs the plain model on each process's part
        if self._ddp is None:
            ids = [self.device] if self.device.type == "cuda" else None
            self._ddp = DistributedDataParallel(self.model, device_ids=ids)  # broadcasts rank 0's weights
        return self._ddp

    def reduce(self, sums: dict[str, Any]) -> dict[str, Any]:
        return all_reduce_sums(sums)
