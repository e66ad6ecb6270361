"""Minibatch SGD from scratch (book §3.4.3), as a `torch.optim.Optimizer` so the one `fit` loop drives it.

    w <- w - lr * grad

Deliberate difference from the book: its `sgd` divides by the batch size because its loss is summed; our losses
are means (as in the book's 2.0 edition), so the step is plain `lr * grad`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import Tensor


class ScratchOptimizer(torch.optim.Optimizer):
    """The loop every scratch optimizer shares: `step` calls `update(p, grad, state, group)` for each parameter
    that has a gradient; a subclass writes only its update rule (see `dive.scratch.optimizers`)."""

    def __init__(self, params: Iterable[Tensor], defaults: dict[str, Any]) -> None:
        if defaults.get("lr", 1.0) <= 0:
            raise ValueError(f"learning rate must be positive, got {defaults['lr']}")
        super().__init__(params, defaults)

    def update(self, p: Tensor, g: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        raise NotImplementedError

    @torch.no_grad()
    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:  # torch's signature
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self.update(p, p.grad, self.state[p], group)
        return loss


class SGD(ScratchOptimizer):
    """Plain minibatch stochastic gradient descent; `weight_decay` adds wd * w to the gradient (L2, book §3.7)."""

    def __init__(self, params: Iterable[Tensor], lr: float, weight_decay: float = 0.0) -> None:
        super().__init__(params, {"lr": lr, "weight_decay": weight_decay})

    def update(self, p, g, state, group) -> None:
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p
        p -= group["lr"] * g
