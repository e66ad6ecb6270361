"""conv -> sigmoid -> 2x2 average pool on phases equals the book's order of operations, values and gradients."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from dive.models import LeNet
from dive.nn import conv_sigmoid_avgpool, init_xavier, phase_kernel
from dive.nn.phase_conv import phases


def book_order(X, weight, bias):
    return F.avg_pool2d(torch.sigmoid(F.conv2d(X, weight, bias, padding=weight.shape[-1] // 2)), 2)


@pytest.mark.parametrize(("c_in", "c_out", "k", "size"), [(1, 6, 5, 28), (3, 4, 3, 10), (2, 5, 7, 12)])
def test_phases_equal_conv_sigmoid_pool_in_values_and_gradients(c_in, c_out, k, size):
    g = torch.Generator().manual_seed(c_in * 100 + k)
    X = torch.randn(3, c_in, size, size, generator=g, dtype=torch.float64)
    w1 = torch.randn(c_out, c_in, k, k, generator=g, dtype=torch.float64, requires_grad=True)
    b1 = torch.randn(c_out, generator=g, dtype=torch.float64, requires_grad=True)
    w2, b2 = w1.detach().clone().requires_grad_(), b1.detach().clone().requires_grad_()
    head = torch.randn(3, c_out, size // 2, size // 2, generator=g, dtype=torch.float64)
    Y1, Y2 = conv_sigmoid_avgpool(X, w1, b1), book_order(X, w2, b2)
    torch.testing.assert_close(Y1, Y2, rtol=0, atol=1e-12)
    (Y1 * head).sum().backward()
    (Y2 * head).sum().backward()
    torch.testing.assert_close(w1.grad, w2.grad, rtol=0, atol=1e-10)
    torch.testing.assert_close(b1.grad, b2.grad, rtol=0, atol=1e-10)
    assert Y1.is_contiguous(memory_format=torch.channels_last)


def test_the_phase_kernel_holds_every_weight_once_per_phase():
    w = torch.arange(1.0, 1 + 6 * 25).reshape(6, 1, 5, 5)
    K = phase_kernel(w)  # (24, 4, 3, 3): each output phase reads all 25 taps of its channel exactly once
    assert K.shape == (24, 4, 3, 3)
    for o in range(6):
        for phase in range(4):
            taps = K[4 * o + phase]
            assert sorted(taps[taps != 0].tolist()) == w[o].flatten().tolist()


@pytest.mark.parametrize(
    ("shape", "p"), [((4, 1, 28, 28), 2), ((3, 2, 10, 12), 1), ((3, 3, 8, 8), 3), ((2, 1, 6, 6), 0)]
)
def test_phases_are_pixel_unshuffle_of_the_padded_image_in_channels_last(shape, p):
    X = torch.rand(shape)
    out = phases(X, p)
    assert torch.equal(out, F.pixel_unshuffle(F.pad(X, (p, p, p, p)), 2))
    assert out.is_contiguous(memory_format=torch.channels_last)


def test_odd_sizes_are_refused_in_one_line():
    with pytest.raises(ValueError, match="even image size"):
        conv_sigmoid_avgpool(torch.zeros(1, 1, 27, 28), torch.zeros(6, 1, 5, 5), torch.zeros(6))


def test_lenet_in_channels_last_takes_the_phases_and_computes_the_same():
    torch.manual_seed(0)
    plain = LeNet()
    plain.apply(init_xavier)
    fast = LeNet()
    fast.load_state_dict(plain.state_dict())
    fast = fast.to(memory_format=torch.channels_last)
    X = torch.rand(8, 1, 28, 28)
    y = torch.randint(0, 10, (8,))
    assert fast._on_phases(X) and not plain._on_phases(X)
    torch.testing.assert_close(fast(X), plain(X), rtol=0, atol=1e-5)
    F.cross_entropy(fast(X), y).backward()
    F.cross_entropy(plain(X), y).backward()
    for (name, a), b in zip(fast.named_parameters(), plain.parameters(), strict=True):
        torch.testing.assert_close(a.grad, b.grad, rtol=1e-4, atol=1e-6, msg=name)
