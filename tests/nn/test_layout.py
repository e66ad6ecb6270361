"""dive.nn.Flatten: nn.Flatten's values and gradients, with the gradient in the input's memory layout."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dive.nn import Flatten


@pytest.mark.parametrize("layout", [torch.channels_last, torch.contiguous_format])
@pytest.mark.parametrize("shape", [(3, 4, 5, 6), (3, 8, 1, 1), (3, 1, 5, 5)])
def test_flatten_matches_nn_flatten_and_keeps_the_gradient_layout(shape, layout):
    X = torch.randn(shape, dtype=torch.float64).contiguous(memory_format=layout).requires_grad_()
    head = torch.randn(shape[1] * shape[2] * shape[3], 2, dtype=torch.float64)
    grads = {}
    outs = {}
    for name, flatten in (("dive", Flatten()), ("torch", nn.Flatten())):
        H = X * 2  # not a leaf: a leaf's .grad is put in the leaf's layout whatever arrives
        H.register_hook(lambda g, name=name: grads.__setitem__(name, g))
        outs[name] = flatten(H)
        (outs[name] @ head).square().sum().backward()
    assert torch.equal(outs["dive"], outs["torch"])
    assert torch.equal(grads["dive"], grads["torch"])
    if layout == torch.channels_last and not X.is_contiguous():  # where nn.Flatten's gradient is NCHW
        assert grads["dive"].is_contiguous(memory_format=torch.channels_last)
        assert not grads["torch"].is_contiguous(memory_format=torch.channels_last)
    else:
        assert grads["dive"].is_contiguous()


def test_flatten_of_other_ranks_is_flatten_from_dim_1():
    X = torch.randn(2, 3, 4)
    assert torch.equal(Flatten()(X), X.flatten(1))


def test_flatten_is_twice_differentiable():
    X = torch.randn(2, 3, 2, 2, dtype=torch.float64).contiguous(memory_format=torch.channels_last).requires_grad_()
    assert torch.autograd.gradgradcheck(lambda t: Flatten()(t).square(), (X,))
