"""Which plugins a `Trainer`'s arguments ask for, in the order they wrap the model (DDP, then compile)."""

from __future__ import annotations

import torch
from torch import nn

from dive.train.distributed import DistInfo
from dive.train.plugins import Plugin
from dive.train.plugins.compiled import CompilePlugin
from dive.train.plugins.ddp import DataParallelPlugin
from dive.train.plugins.memory import AllocatorPlugin
from dive.train.plugins.split import SplitPlugin


def split_parts(split: int, device: torch.device, dist: DistInfo, compile: bool) -> int:
    """How many parts a batch runs as: `split`, or 1 where a split cannot apply (a GPU, several processes, a
    compiled model, one core)."""
    applies = device.type == "cpu" and not dist.active and not compile and torch.get_num_threads() > 1
    return split if applies else 1


def strategies(model: nn.Module, optimizer: torch.optim.Optimizer, device: torch.device, dist: DistInfo,
               compile: bool, split: int) -> list[Plugin]:  # fmt: skip
    chosen: list[Plugin] = []
    if device.type == "cpu":
        chosen.append(AllocatorPlugin())
    if dist.active:  # an optimizer that averages gradients itself gets the plain model; the sums are still reduced
        chosen.append(DataParallelPlugin(model, device, wrap=not getattr(optimizer, "syncs_gradients", False)))
    if compile:
        chosen.append(CompilePlugin())
    if split > 1:
        chosen.append(SplitPlugin(model, split))
    return chosen
