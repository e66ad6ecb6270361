"""The book's 2-D optimization experiments (§12.3-12.8): run an optimizer for 20 steps from (-5, -2) and trace it.

f(x) = x1^2 + 2 x2^2 (§12.3) and the ill-conditioned f(x) = 0.1 x1^2 + 2 x2^2 (§12.6 on): the scratch optimizers
(`torch.optim.Optimizer`s) step a 2-element float64 tensor whose gradient comes from autograd, so the trace is the
same as the book's hand-written update formulas (`gd_2d`, `momentum_2d`, `adagrad_2d`, `rmsprop_2d`), to the
printed digits, as `tests/scratch/test_optimizers.py` checks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor


def f_2d(x: Tensor) -> Tensor:
    """x1^2 + 2 x2^2 (book §12.3.2)."""
    return x[0] ** 2 + 2 * x[1] ** 2


def f_ill(x: Tensor) -> Tensor:
    """0.1 x1^2 + 2 x2^2: curvature 0.2 along x1, 4 along x2, so one learning rate cannot suit both (book §12.6.1)."""
    return 0.1 * x[0] ** 2 + 2 * x[1] ** 2


OBJECTIVES: dict[str, Callable[[Tensor], Tensor]] = {"f_2d": f_2d, "f_ill": f_ill}


def trace_2d(
    make_optimizer: Callable[..., torch.optim.Optimizer],
    objective: Callable[[Tensor], Tensor],
    steps: int = 20,
    start: tuple[float, float] = (-5.0, -2.0),
    **hyper: Any,
) -> list[tuple[float, float]]:
    """Positions after each of `steps` steps (the start not included), as the book's `train_2d` records them."""
    x = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = make_optimizer([x], **hyper)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        objective(x).backward()
        opt.step()
        x1, x2 = x.detach().tolist()
        out.append((x1, x2))
    return out


def book_line(trace: list[tuple[float, float]]) -> str:
    """The line the book prints after a run: `epoch 20, x1: -0.057646, x2: -0.000073`."""
    x1, x2 = trace[-1]
    return f"epoch {len(trace)}, x1: {x1:f}, x2: {x2:f}"


def noisy_sgd_trace(
    lr: Callable[[int], float], steps: int = 50, seed: int = 0, start: tuple[float, float] = (-5.0, -2.0)
) -> list[tuple[float, float]]:
    """SGD on x1^2 + 2 x2^2 with N(0, 1) noise added to each gradient coordinate (book §12.4.1); `lr(t)` is the
    rate at step t (book §12.4.2: constant, exponential eta e^{-0.1 t}, polynomial eta (t + 1)^{-1/2})."""
    g = torch.Generator().manual_seed(seed)
    x1, x2 = start
    out = []
    for t in range(steps):
        n1, n2 = torch.randn(2, generator=g, dtype=torch.float64).tolist()
        eta = lr(t)
        x1, x2 = x1 - eta * (2 * x1 + n1), x2 - eta * (4 * x2 + n2)
        out.append((x1, x2))
    return out
