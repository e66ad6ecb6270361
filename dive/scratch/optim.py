"""Minibatch SGD from scratch (book §3.4.3), as a `torch.optim.Optimizer` so the one `fit` loop drives it.

    w <- w - lr * grad

Deliberate difference from the book: its `sgd` divides by the batch size because its loss is summed; our losses
are means (as in the book's 2.0 edition), so the step is plain `lr * grad`.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor


class SGD(torch.optim.Optimizer):
    """Plain minibatch stochastic gradient descent; `weight_decay` adds wd * w to the gradient (L2, book §3.7)."""

    def __init__(self, params: Iterable[Tensor], lr: float, weight_decay: float = 0.0) -> None:
        if lr <= 0:
            raise ValueError(f"learning rate must be positive, got {lr}")
        super().__init__(params, {"lr": lr, "weight_decay": weight_decay})

    @torch.no_grad()
    def step(self, closure=None):  # noqa: ANN001 - torch's signature
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                if group["weight_decay"]:
                    grad = grad + group["weight_decay"] * p
                p -= group["lr"] * grad
        return loss
