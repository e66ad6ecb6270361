"""The training step as an object: what one batch means to a model, its loss, and what that loss averaged over.

`Trainer` knows nothing about batches or outputs. For each batch it calls `step(forward, batch, state)` and gets a
`StepOut`: the loss to backpropagate, the `count` the loss is a mean over (examples, tokens, non-pad tokens,
anchors), the outputs and targets the metrics read, the state to carry into the next batch, and named loss parts.
The epoch loss is then sum(loss x count) / sum(count): exact whatever the batch sizes or the padding.

Ready-made steps:
- `SupervisedStep(loss_fn)`: batch (*inputs, y), `loss_fn(model(*inputs), y)`, counting `y.numel()` (or `count_fn(y)`,
  e.g. the non-pad tokens a masked translation loss averages over). A model returning a tuple is refused: no
  guessing what the pieces mean.
- `SequenceStep(loss_fn)`: a sequence model `forward(X, state=None) -> (Y, state)` (book §9.5); the Trainer hands
  back the state, detached, on the next batch when the loader carries state (truncated backpropagation through
  time).
A recipe's own step (SSD's class + box losses, BERT's MLM + NSP, word2vec's masked loss) is any callable of the
same signature; `parts={"cls": ..., "bbox": ...}` puts each part into the history per epoch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from torch import Tensor

from dive.core import DiveError

Count = Tensor | int


@dataclass
class StepOut:
    """What one step measured. `loss` is a mean over `count`; each part is a mean over its own count, given as
    `(mean, count)`, or over `count` when given alone."""

    loss: Tensor
    count: Count
    outputs: Any = None  # what metrics read: `metric.fn(outputs, targets)`
    targets: Any = None
    state: Any = None  # a sequence model's state after this batch (None: nothing to carry)
    parts: dict[str, Tensor | tuple[Tensor, Count]] = field(default_factory=dict)


class Step(Protocol):
    """`step(forward, batch, state) -> StepOut`: run the model (`forward`, maybe compiled or DDP-wrapped) on one
    batch (a tuple of tensors already on the device); `state` is the carried state or None. A step that sets its
    gradients (or applies part of its update) itself returns a loss without a graph: the Trainer then skips
    `backward` and still calls the optimizer (`dive.train.embedding.PairSumStep`)."""

    def __call__(self, forward: Callable[..., Any], batch: Sequence[Tensor], state: Any) -> StepOut: ...


class SupervisedStep:
    """(*inputs, y) -> `loss_fn(forward(*inputs), y)`; counts `y.numel()`, or `count_fn(y)` when given."""

    def __init__(self, loss_fn: Callable[[Tensor, Tensor], Tensor], count_fn: Callable[[Tensor], Count] | None = None):
        self.loss_fn = loss_fn
        self.count_fn = count_fn

    def __call__(self, forward: Callable[..., Any], batch: Sequence[Tensor], state: Any = None) -> StepOut:
        *inputs, y = batch
        outputs = forward(*inputs)
        if isinstance(outputs, tuple):
            raise DiveError(
                f"the model returned a tuple of {len(outputs)}; a sequence model (Y, state) trains with SequenceStep, "
                "any other model with a step of its own (dive.train.steps)"
            )
        count = self.count_fn(y) if self.count_fn is not None else y.numel()
        return StepOut(self.loss_fn(outputs, y), count, outputs, y)


class SequenceStep:
    """(*inputs, y) for a model `forward(*inputs, state) -> (Y, state)`: loss on Y, counting `y.numel()` (tokens);
    the new state comes back detached (its graph ends with this batch)."""

    def __init__(self, loss_fn: Callable[[Tensor, Tensor], Tensor], count_fn: Callable[[Tensor], Count] | None = None):
        self.loss_fn = loss_fn
        self.count_fn = count_fn

    def __call__(self, forward: Callable[..., Any], batch: Sequence[Tensor], state: Any = None) -> StepOut:
        *inputs, y = batch
        outputs = forward(*inputs, state) if state is not None else forward(*inputs)
        if not (isinstance(outputs, tuple) and len(outputs) == 2):
            raise DiveError("SequenceStep needs a model that returns (Y, state), as forward(X, state=None) does")
        Y, new_state = outputs
        count = self.count_fn(y) if self.count_fn is not None else y.numel()
        return StepOut(self.loss_fn(Y, y), count, Y, y, detach_state(new_state))


def detach_state(state: Any) -> Any:
    """Cut the graph behind a carried state (a tensor or a tuple of them, as an LSTM's (H, C))."""
    if isinstance(state, tuple):
        return tuple(detach_state(s) for s in state)
    return state.detach() if state is not None else None


def part_mean_count(value: Tensor | tuple[Tensor, Count], count: Count) -> tuple[Tensor, Count]:
    """A loss part as (mean, count): given alone, it averaged over the step's count."""
    return value if isinstance(value, tuple) else (value, count)
