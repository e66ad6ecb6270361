"""Learning-rate schedules (book §12.11) as pure functions of the update count t (0-based) -> learning rate.

    square root   lr0 / sqrt(t + 1)
    factor        max(lr_min, lr0 * f^t)
    multi-factor  lr0 * f^(number of milestones <= t)
    cosine        lr_T + (lr0 - lr_T) (1 + cos(pi t / T)) / 2 for t <= T, then lr_T
    warmup        lr grows linearly from `warmup_begin_lr` to lr0 over `warmup` steps, then the cosine over T - warmup

Pure functions instead of the book's stateful objects: the rate at step t does not depend on how many times the
schedule was called, so a resumed run gets the same rates. `lambda_factor` turns one into the multiplier
`torch.optim.lr_scheduler.LambdaLR` expects, which is how the fit loop uses them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence


def square_root(t: int, lr0: float = 0.1) -> float:
    return lr0 * (t + 1.0) ** -0.5


def factor(t: int, lr0: float = 2.0, f: float = 0.9, lr_min: float = 1e-2) -> float:
    return max(lr_min, lr0 * f**t)


def multi_factor(t: int, lr0: float = 0.5, milestones: Sequence[int] = (15, 30), f: float = 0.5) -> float:
    return lr0 * f ** sum(1 for m in milestones if m <= t)


def cosine(t: int, lr0: float = 0.3, max_update: int = 20, final_lr: float = 0.01, warmup: int = 0,
           warmup_begin_lr: float = 0.0) -> float:  # fmt: skip
    if t < warmup:
        return warmup_begin_lr + (lr0 - warmup_begin_lr) * t / warmup
    if t > max_update:
        return final_lr
    return final_lr + (lr0 - final_lr) * (1 + math.cos(math.pi * (t - warmup) / (max_update - warmup))) / 2


SCHEDULES: dict[str, Callable[..., float]] = {
    "square_root": square_root,
    "factor": factor,
    "multi_factor": multi_factor,
    "cosine": cosine,
}


def lambda_factor(schedule: Callable[..., float], lr0: float, **kwargs: float) -> Callable[[int], float]:
    """t -> schedule(t) / lr0: the multiplier of the optimizer's base rate for `LambdaLR`."""
    return lambda t: schedule(t, lr0=lr0, **kwargs) / lr0
