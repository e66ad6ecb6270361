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


class SGD(_WithoutDynamo, torch.optim.SGD):
    """`torch.optim.SGD` (momentum, weight decay, Nesterov, foreach) without the `torch._dynamo` import."""

    step = _step_in_grad_mode(torch.optim.SGD.step)


class Adam(_WithoutDynamo, torch.optim.Adam):
    """`torch.optim.Adam` (AMSGrad, weight decay, foreach, fused) without the `torch._dynamo` import."""

    step = _step_in_grad_mode(torch.optim.Adam.step)
