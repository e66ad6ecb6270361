"""The learning-rate range test (Smith, 2017, "Cyclical Learning Rates", §3.3; as fastai's `lr_find` and
Lightning's `Tuner.lr_find`): train for a few hundred steps while the rate grows exponentially from `start_lr` to
`end_lr`, and watch the loss. Where it falls fastest is a good rate; where it shoots up, the rate is too large.

The loss of single batches is noisy, so it is smoothed (an exponential moving average with bias correction, beta
0.98, as fastai). The suggestion is the rate at the steepest descent of the smoothed loss against log10(rate),
looked for before the loss's minimum and after the first 1 / (1 - beta) steps (the average is still young there);
`min_lr / 10` (the rate of the minimum, divided by 10) is the other common rule, reported beside it. The model and
optimizer are put back as they were: the test trains nothing for real.
`LRFinder` runs it as a callback at the start of a recipe's fit (its model, data, step, precision) and then ends
the run with `LRFound`, which `dive lr-find` catches.
"""

from __future__ import annotations

import copy
import itertools
import math
from dataclasses import dataclass, field

from dive.core import DiveError
from dive.train.trainer import Callback, FitState, Trainer


@dataclass
class LRFindResult:
    lrs: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)  # each step's batch loss
    smoothed: list[float] = field(default_factory=list)
    suggestion: float | None = None  # steepest descent of the smoothed loss, before its minimum
    min_lr: float | None = None  # the rate where the smoothed loss is lowest
    stopped_early: bool = False  # the loss diverged (over `diverge` x its minimum) before `end_lr`


class LRFound(DiveError):
    """Raised by `LRFinder` once the range test is done, to end the recipe's run before it trains."""

    def __init__(self, result: LRFindResult) -> None:
        super().__init__("learning-rate range test finished")
        self.result = result


def lr_range_test(trainer: Trainer, start_lr: float = 1e-7, end_lr: float = 10.0, num_steps: int = 200,
                  beta: float = 0.98, diverge: float = 4.0) -> LRFindResult:  # fmt: skip
    """Run the test with `trainer`'s model, optimizer, step and training loader (`fit` must have set it up)."""
    if not 0 < start_lr < end_lr or num_steps < 10:
        raise DiveError(
            f"the range test needs 0 < start_lr < end_lr and 10+ steps, got {start_lr}, {end_lr}, {num_steps}"
        )
    model_state = copy.deepcopy(trainer.model.state_dict())
    opt_state = copy.deepcopy(trainer.optimizer.state_dict())
    result, avg, best = LRFindResult(), 0.0, math.inf
    ratio = (end_lr / start_lr) ** (1 / (num_steps - 1))
    trainer.model.train()
    try:
        with trainer.contexts():
            for i, batch in zip(range(num_steps), _endless(trainer.train_loader)):
                lr = start_lr * ratio**i
                for group in trainer.optimizer.param_groups:
                    group["lr"] = lr
                loss = trainer.train_step(batch)
                avg = beta * avg + (1 - beta) * loss
                smooth = avg / (1 - beta ** (i + 1))
                result.lrs.append(lr), result.losses.append(loss), result.smoothed.append(smooth)
                best = min(best, smooth)
                if not math.isfinite(smooth) or (i >= 10 and smooth > diverge * best):
                    result.stopped_early = True
                    break
    finally:
        trainer.model.load_state_dict(model_state)
        trainer.optimizer.load_state_dict(opt_state)
    _suggest(result)
    return result


def _endless(loader):
    """The loader's batches, epoch after epoch (an empty loader ends it)."""
    for epoch in itertools.count():
        batches = 0
        for batch in loader.epoch(epoch):
            batches += 1
            yield batch
        if not batches:
            return


def _suggest(result: LRFindResult, beta: float = 0.98) -> None:
    finite = [i for i, s in enumerate(result.smoothed) if math.isfinite(s)]
    if len(finite) < 3:
        return
    n = len(result.lrs)
    low = min(finite, key=lambda i: result.smoothed[i])
    result.min_lr = result.lrs[low]
    first = min(int(1 / (1 - beta)), n // 4)  # the average has seen too few batches before this to trust its slope
    k = max(1, n // 40)  # slopes over 2k steps: one step's difference is mostly the batches' noise
    lr, sm = [math.log10(v) for v in result.lrs], result.smoothed
    slopes = {i: (sm[i + k] - sm[i - k]) / (lr[i + k] - lr[i - k]) for i in range(max(first, k), min(low, n - k))}
    if slopes:
        result.suggestion = result.lrs[min(slopes, key=slopes.__getitem__)]


class LRFinder(Callback):
    """At fit start: run `lr_range_test` on this fit, then raise `LRFound` with the result (nothing trains)."""

    def __init__(self, **kwargs) -> None:
        self.kwargs = kwargs

    def on_fit_start(self, trainer: Trainer, state: FitState) -> None:
        raise LRFound(lr_range_test(trainer, **self.kwargs))
