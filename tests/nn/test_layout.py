"""dive.nn.Flatten: nn.Flatten's values and gradients, with the gradient in the input's memory layout."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dive.nn import Conv2dNCHWInputGrad, Flatten


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


@pytest.mark.parametrize(
    ("c_in", "c_out", "k", "stride", "padding", "size"), [(6, 16, 5, 1, 0, 14), (3, 4, 3, 2, 1, 9), (4, 8, 3, 1, 2, 7)]
)
def test_the_nchw_input_gradient_conv_matches_conv2d(c_in, c_out, k, stride, padding, size):
    torch.manual_seed(c_in + k)
    ours = Conv2dNCHWInputGrad(c_in, c_out, k, stride=stride, padding=padding).double()
    ref = nn.Conv2d(c_in, c_out, k, stride=stride, padding=padding).double()
    ref.load_state_dict(ours.state_dict())
    ours, ref = ours.to(memory_format=torch.channels_last), ref.to(memory_format=torch.channels_last)
    X = torch.randn(3, c_in, size, size, dtype=torch.float64).contiguous(memory_format=torch.channels_last)
    A, B = X.clone().requires_grad_(), X.clone().requires_grad_()
    ya, yb = ours(A * 1), ref(B * 1)  # a non-leaf input, as inside a network
    torch.testing.assert_close(ya, yb, rtol=0, atol=1e-12)
    head = torch.randn_like(yb)
    (ya * head).sum().backward()
    (yb * head).sum().backward()
    torch.testing.assert_close(A.grad, B.grad, rtol=0, atol=1e-10)
    for a, b in zip(ours.parameters(), ref.parameters(), strict=True):
        torch.testing.assert_close(a.grad, b.grad, rtol=0, atol=1e-10)


def test_the_nchw_input_gradient_conv_hands_back_a_channels_last_gradient():
    conv = Conv2dNCHWInputGrad(6, 16, 5).to(memory_format=torch.channels_last)
    X = torch.randn(2, 6, 14, 14).contiguous(memory_format=torch.channels_last).requires_grad_()
    H = X * 1
    seen = []
    H.register_hook(seen.append)
    conv(H).sum().backward()
    assert seen[0].is_contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize("channels_last", [True, False])
def test_lenet_trains_a_step_under_bf16_autocast_with_its_cpu_shortcuts(channels_last):
    from dive.models import LeNet

    model = LeNet()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    X = torch.rand(8, 1, 28, 28)
    y = torch.randint(0, 10, (8,))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = torch.nn.functional.cross_entropy(model(X), y)
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())
