"""Builders' guide (book §6.1-6.5): how modules are made, composed, initialised, and how layers share parameters.

Every class here is one of the book's examples, kept small so a learner can read it next to the page:
- `MLPBlock`: a module written as a subclass, with `__init__` (make layers) and `forward` (use them) (§6.1.1);
- `MySequential`: what `nn.Sequential` does, on top of `nn.ModuleList` (§6.1.2);
- `FixedHiddenMLP`: arbitrary Python in `forward` and a constant, non-trainable weight (a buffer) (§6.1.3);
- `NestMLP`: blocks inside blocks (§6.1.3);
- `CenteredLayer` (no parameters) and `MyLinear` (its own parameters) (§6.5);
- `TiedMLP`: one layer used twice, so its weight gets the sum of both uses' gradients (§6.2.3);
- `ParallelHeads`: `nn.ModuleDict` holding named sub-blocks.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F


class MLPBlock(nn.Module):
    """(n, 20) -> (n, 10): hidden layer of 256 ReLU units. A subclass declares layers as attributes."""

    def __init__(self, num_inputs: int = 20, num_hiddens: int = 256, num_outputs: int = 10) -> None:
        super().__init__()  # registers the machinery that finds parameters in attributes
        self.hidden = nn.Linear(num_inputs, num_hiddens)
        self.out = nn.Linear(num_hiddens, num_outputs)

    def forward(self, X: Tensor) -> Tensor:
        return self.out(F.relu(self.hidden(X)))


class MySequential(nn.Module):
    """Chain modules in order. Storing them in `nn.ModuleList` (not a plain list) is what makes their parameters
    visible to `.parameters()`, `.to(device)` and `state_dict()`."""

    def __init__(self, *modules: nn.Module) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(modules)

    def forward(self, X: Tensor) -> Tensor:
        for block in self.blocks:
            X = block(X)
        return X


class FixedHiddenMLP(nn.Module):
    """(n, 20) -> scalar. A constant random weight (a buffer: saved, moved, never trained) and a Python loop."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("rand_weight", torch.rand(20, 20))
        self.linear = nn.Linear(20, 20)

    def forward(self, X: Tensor) -> Tensor:
        X = self.linear(X)
        X = F.relu(X @ self.rand_weight + 1)
        X = self.linear(X)  # the same layer again: its parameters are shared
        while X.abs().sum() > 1:  # control flow that depends on the data
            X = X / 2
        return X.sum()


class NestMLP(nn.Module):
    """(n, 20) -> (n, 16): a Sequential inside a module, itself usable inside another Sequential."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU())
        self.linear = nn.Linear(32, 16)

    def forward(self, X: Tensor) -> Tensor:
        return self.linear(self.net(X))


class CenteredLayer(nn.Module):
    """Subtract the mean: a layer with no parameters (§6.5.1). Any shape -> the same shape."""

    def forward(self, X: Tensor) -> Tensor:
        return X - X.mean()


class MyLinear(nn.Module):
    """ReLU(X W + b) with parameters of our own (§6.5.2): (n, in_units) -> (n, units)."""

    def __init__(self, in_units: int, units: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_units, units))
        self.bias = nn.Parameter(torch.randn(units))

    def forward(self, X: Tensor) -> Tensor:
        return F.relu(X @ self.weight + self.bias)


class TiedMLP(nn.Module):
    """(n, 4) -> (n, 1); `shared` (8 -> 8) is applied twice (§6.2.3).

    There is one weight tensor, so `net[2].weight is net[4].weight`; in backward its gradient is the sum of the
    gradients from both places it was used.
    """

    def __init__(self) -> None:
        super().__init__()
        shared = nn.Linear(8, 8)
        self.net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.Linear(8, 1))

    def forward(self, X: Tensor) -> Tensor:
        return self.net(X)


class ParallelHeads(nn.Module):
    """A shared trunk and named heads in an `nn.ModuleDict`: forward(X (n, 20), head) -> (n, head's outputs)."""

    def __init__(self) -> None:
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(20, 32), nn.ReLU())
        self.heads = nn.ModuleDict({"classify": nn.Linear(32, 10), "regress": nn.Linear(32, 1)})

    def forward(self, X: Tensor, head: str = "classify") -> Tensor:
        return self.heads[head](self.trunk(X))
