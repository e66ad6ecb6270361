"""One batch split across the cores of a CPU (book §13.5's data parallelism, with cores in place of GPUs).

Book §13.5 cuts a minibatch into parts, one per GPU, computes each part's gradient on its own device and sums them.
`BatchSplit` does the same inside one process: each part's forward, loss and backward run on a thread of their own,
each thread with its share of the intra-op threads (1 each on 2 cores), and the parts' gradients are summed in a
fixed order. Why: on a small CPU model (LeNet) one operator is too small to split well across cores, and while one
thread runs Python the other computes. Measured on 2 cores: 1.04x whole batches in `dive bench lenet`'s alternating
rounds, 1.2-1.6x in separate processes, where it is also steadier.

The gradient is the whole batch's: the loss is a mean over `count` (examples, tokens), so
    grad(mean loss) = sum over parts of grad(part loss x part count) / total count,
equal up to float rounding (tested). Each thread runs its part single-threaded and the sum has a fixed order, so a
run is as reproducible as one on whole batches. What it cannot keep is a layer that looks across the batch or draws
random numbers: BatchNorm (statistics per part) and dropout (two threads drawing from one generator in no fixed
order) are refused with a clear error, by layer type before training and, for a forward that draws from torch's
generator itself (the scratch MLP's dropout), after the first step, before any update; so is a state carried
between batches.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import torch
from torch import Tensor, nn

from dive.core import ConfigError
from dive.train.steps import Step, StepOut

_ACROSS_BATCH = ("BatchNorm", "Dropout")  # class-name parts of layers whose result depends on the whole batch or RNG


def check_splittable(model: nn.Module) -> None:
    """Refuse, in one line, a model with a layer that a split batch would change."""
    found = sorted({type(m).__name__ for m in model.modules() if any(k in type(m).__name__ for k in _ACROSS_BATCH)})
    if found:
        raise ConfigError(
            f"--split needs a model whose result for a batch is the sum of its parts; this one has {', '.join(found)} "
            "(per-part statistics or random draws): use --split=1"
        )


class BatchSplit:
    """`parts` threads; `__call__` runs one training batch as `parts` slices and sets each parameter's `.grad`.

    Use inside `with split.threads():`, which gives each thread its share of torch's intra-op threads."""

    def __init__(self, model: nn.Module, parts: int):
        check_splittable(model)
        self.parts = parts
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.pool: ThreadPoolExecutor | None = None
        self._rng = torch.random.get_rng_state()

    @contextlib.contextmanager
    def threads(self) -> Iterator[None]:
        """torch's intra-op threads shared out among the parts (restored on exit, even on an error)."""
        total = torch.get_num_threads()
        torch.set_num_threads(max(1, total // self.parts))
        self.pool = ThreadPoolExecutor(self.parts, thread_name_prefix="dive-split")  # threads start after the set
        try:
            yield
        finally:
            self.pool.shutdown()
            self.pool = None
            torch.set_num_threads(total)

    def __call__(
        self,
        step: Step,
        forward: Callable[..., Any],
        batch: Sequence[Tensor],
        autocast: Callable[[], Any],
        scale: float = 1.0,
    ) -> list[StepOut]:
        """Each part's StepOut (their loss x count sums to the batch's); `.grad` gets the whole batch's gradient x
        `scale` (added to what it holds: gradient accumulation)."""
        return self.finish(self.start(step, forward, batch, autocast), scale)

    def start(
        self, step: Step, forward: Callable[..., Any], batch: Sequence[Tensor], autocast: Callable[[], Any]
    ) -> list[Future]:
        """Set the parts running on the pool and return their futures (`finish` waits for them)."""
        slices = [t.tensor_split(self.parts) for t in batch]
        parts = [[s[i] for s in slices] for i in range(self.parts) if slices[0][i].shape[0] > 0]

        def run(part: list[Tensor]) -> tuple[StepOut, tuple[Tensor | None, ...]]:
            with autocast():  # autocast is per thread: enter it here
                out = step(forward, part, None)
            total = out.loss * out.count  # the part's loss sum: its gradients add up to the batch's
            return out, torch.autograd.grad(total, self.params, allow_unused=True)

        assert self.pool is not None, "BatchSplit runs inside `with split.threads():`"
        self._rng = torch.random.get_rng_state()  # a model that draws (a scratch dropout) is caught in `finish`
        return [self.pool.submit(run, part) for part in parts]

    def finish(self, running: list[Future], scale: float = 1.0) -> list[StepOut]:
        """Wait for the parts; add their gradients x `scale` into `.grad` (in part order); their StepOuts."""
        results = [f.result() for f in running]
        if not torch.equal(torch.random.get_rng_state(), self._rng):
            raise ConfigError(
                "--split needs a model whose result for a batch is the sum of its parts; this one drew random numbers "
                "in its forward (dropout?), which two threads would draw in no fixed order: use --split=1"
            )
        count = sum(out.count for out, _ in results)
        for i, p in enumerate(self.params):
            grads = [g[i] for _, g in results if g[i] is not None]
            if not grads:
                continue
            total = grads[0].clone()
            for g in grads[1:]:  # a fixed order: the same sum every run
                total.add_(g)
            total.div_(count)
            if scale != 1.0:
                total.mul_(scale)
            p.grad = total if p.grad is None else p.grad.add_(total)
        return [out for out, _ in results]


def merged_loss(outs: Sequence[StepOut]) -> Tensor:
    """The whole batch's mean loss from its parts' (detached)."""
    count = sum(out.count for out in outs)
    return sum(out.loss.detach() * out.count for out in outs) / count
