"""torch.optim's SGD and Adam, without importing `torch._dynamo`: the same updates, bit for bit, a second sooner.

Every `torch.optim` optimizer wraps `add_param_group`, `zero_grad`, `step` and its state-dict methods so that
`torch.compile` leaves them alone, and that wrapper imports `torch._dynamo` (and sympy) on its first call: about
1 s of a 2-core CPU's time at the start of every run (`python -X importtime`), which the book's short runs notice
(LeNet on Fashion-MNIST trains in ~20 s here). The classes below are `torch.optim.SGD` and `torch.optim.Adam`
(same arguments, same `state_dict`, learning-rate schedulers accept them) whose methods are the unwrapped
originals; only `step`'s grad mode is set here, as torch's own wrapper sets it. Under `torch.compile` (which
imports dynamo anyway) use them as they are: dynamo traces `step` like any function.

    opt = dive.train.SGD(model.parameters(), lr=0.9)   # book §3.4: minibatch SGD
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch
from torch.optim import Optimizer


def _unwrapped(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The function a `torch._disable_dynamo` / `_use_grad_for_differentiable` wrapper wraps (itself if none)."""
    return getattr(fn, "__wrapped__", fn)


def _step_in_grad_mode(step: Callable[..., Any]) -> Callable[..., Any]:
    """`step` with autograd off (on for `differentiable=True`), as torch's `_use_grad_for_differentiable` does."""
    raw = _unwrapped(step)

    @functools.wraps(raw)
    def inner(self: Optimizer, *args: Any, **kwargs: Any) -> Any:
        with torch.set_grad_enabled(self.defaults.get("differentiable", False)):
            return raw(self, *args, **kwargs)

    return inner


class _WithoutDynamo:
    """The methods `Optimizer.__init__` and a training loop call, unwrapped (see the module docstring)."""

    add_param_group = _unwrapped(Optimizer.add_param_group)
    zero_grad = _unwrapped(Optimizer.zero_grad)
    state_dict = _unwrapped(Optimizer.state_dict)
    load_state_dict = _unwrapped(Optimizer.load_state_dict)


def _plain_sgd(group: dict[str, Any]) -> bool:
    """The book's minibatch SGD (§3.4): no momentum, weight decay, maximize, fused kernel, or tensor lr."""
    return (
        group["momentum"] == 0
        and group["weight_decay"] == 0
        and not group["maximize"]
        and not group.get("differentiable")
        and not group.get("fused")
        and isinstance(group["lr"], float | int)
    )


class SGD(_WithoutDynamo, torch.optim.SGD):
    """`torch.optim.SGD` (momentum, weight decay, Nesterov, foreach) without the `torch._dynamo` import.

    The book's plain update `p -= lr * p.grad` (every group without momentum or weight decay) is one
    `torch._foreach_add_` over the parameters, the update torch's own SGD makes per parameter: the same numbers,
    without its ~0.1 ms of Python per step (2,350 steps in `dive run lenet`)."""

    _torch_step = _step_in_grad_mode(torch.optim.SGD.step)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        groups = self.param_groups
        if closure is not None or not all(_plain_sgd(g) for g in groups):
            return self._torch_step(closure)
        with_grad = [[p for p in g["params"] if p.grad is not None] for g in groups]
        if any(p.grad.is_sparse for ps in with_grad for p in ps):
            return self._torch_step(closure)
        with torch.no_grad():
            for g, ps in zip(groups, with_grad, strict=True):
                if ps:
                    torch._foreach_add_(ps, [p.grad for p in ps], alpha=-g["lr"])
        return None


class Adam(_WithoutDynamo, torch.optim.Adam):
    """`torch.optim.Adam` (AMSGrad, weight decay, foreach, fused) without the `torch._dynamo` import."""

    step = _step_in_grad_mode(torch.optim.Adam.step)


def adam_for_summed_loss(params, lr: float, weight_decay: float, batch_size: int) -> Adam:
    """Adam as a book run applies it to a loss summed over the batch (gluon's losses are), for dive's mean loss:
    Adam sees batch_size times smaller gradients here while weight decay and epsilon stay put, so dividing both
    by the batch size makes the same update. Fused: one kernel for every parameter (the recommenders' steps are
    small enough that the optimizer's per-tensor work is a quarter of a step)."""
    return Adam(params, lr=lr, weight_decay=weight_decay / batch_size, eps=1e-8 / batch_size, fused=True)
