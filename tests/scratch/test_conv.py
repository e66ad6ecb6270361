import pytest
import torch
import torch.nn.functional as F

from dive.scratch import (
    Conv2D,
    conv2d,
    conv_out_size,
    corr2d,
    corr2d_multi_in,
    corr2d_multi_in_out,
    corr2d_multi_in_out_1x1,
    edge_data,
    learn_kernel,
)


def test_corr2d_matches_the_books_worked_example():
    X = torch.arange(9.0).reshape(3, 3)
    K = torch.arange(4.0).reshape(2, 2)
    assert torch.equal(corr2d(X, K), torch.tensor([[19.0, 25.0], [37.0, 43.0]]))


def test_corr2d_values_and_grads_match_torch(f64):
    X = torch.randn(7, 6, requires_grad=True)
    K = torch.randn(3, 2, requires_grad=True)
    mine = corr2d(X, K)
    ref = F.conv2d(X[None, None], K[None, None])[0, 0]
    assert torch.allclose(mine, ref)
    g = torch.randn_like(mine)
    gx, gk = torch.autograd.grad(mine, (X, K), g)
    rx, rk = torch.autograd.grad(ref, (X, K), g)
    assert torch.allclose(gx, rx) and torch.allclose(gk, rk)


def test_edge_detection_and_learning_the_kernel():
    X, Y = edge_data()
    assert Y[0].tolist() == [0, 1, 0, 0, 0, -1, 0]  # white->black edge 1, black->white -1
    assert torch.equal(corr2d(X.t(), torch.tensor([[1.0, -1.0]])), torch.zeros(8, 5))  # blind to horizontal edges
    kernel, losses = learn_kernel(X, Y, steps=10)
    assert losses[-1] < losses[0] / 10
    assert torch.allclose(kernel, torch.tensor([[1.0, -1.0]]), atol=0.1)  # the book prints [[1.05, -0.93]]
    kernel, _ = learn_kernel(X, Y, steps=40)
    assert torch.allclose(kernel, torch.tensor([[1.0, -1.0]]), atol=1e-3)
    layer = Conv2D((1, 2))
    assert layer(X).shape == Y.shape and len(list(layer.parameters())) == 2


def test_multi_channel_examples_from_the_book():
    X = torch.stack([torch.arange(9.0).reshape(3, 3), torch.arange(1.0, 10.0).reshape(3, 3)])
    K = torch.stack([torch.arange(4.0).reshape(2, 2), torch.arange(1.0, 5.0).reshape(2, 2)])
    assert torch.equal(corr2d_multi_in(X, K), torch.tensor([[56.0, 72.0], [104.0, 120.0]]))
    K3 = torch.stack((K, K + 1, K + 2))
    out = corr2d_multi_in_out(X, K3)
    assert out.shape == (3, 2, 2) and torch.equal(out[0], corr2d_multi_in(X, K))


def test_1x1_convolution_is_a_matrix_product(f64):
    X, K = torch.randn(3, 3, 3), torch.randn(2, 3, 1, 1)
    assert torch.allclose(corr2d_multi_in_out_1x1(X, K), corr2d_multi_in_out(X, K))
    assert torch.allclose(corr2d_multi_in_out_1x1(X, K), F.conv2d(X[None], K)[0])


@pytest.mark.parametrize(("padding", "stride", "kernel"), [(0, 1, 3), (1, 1, 3), (2, 1, 5), (1, 2, 3), (0, 3, 2)])
def test_conv2d_matches_torch_values_and_grads(f64, padding, stride, kernel):
    torch.manual_seed(0)
    X = torch.randn(2, 3, 8, 7, requires_grad=True)
    W = torch.randn(4, 3, kernel, kernel, requires_grad=True)
    b = torch.randn(4, requires_grad=True)
    mine = conv2d(X, W, b, padding=padding, stride=stride)
    ref = F.conv2d(X, W, b, padding=padding, stride=stride)
    assert mine.shape == ref.shape
    assert mine.shape[2] == conv_out_size(8, kernel, padding, stride)
    assert torch.allclose(mine, ref)
    g = torch.randn_like(ref)
    for a, r in zip(torch.autograd.grad(mine, (X, W, b), g), torch.autograd.grad(ref, (X, W, b), g)):
        assert torch.allclose(a, r)


def test_padding_keeps_the_size_and_bad_shapes_are_refused():
    assert conv2d(torch.rand(1, 1, 8, 8), torch.rand(1, 1, 3, 3), padding=1).shape == (1, 1, 8, 8)
    assert conv2d(torch.rand(1, 1, 8, 8), torch.rand(1, 1, 3, 3), padding=1, stride=2).shape == (1, 1, 4, 4)
    with pytest.raises(ValueError, match="c_i"):
        conv2d(torch.rand(1, 2, 8, 8), torch.rand(1, 3, 3, 3))
    with pytest.raises(ValueError, match="does not fit"):
        conv_out_size(2, 5)
