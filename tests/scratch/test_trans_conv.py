"""Transposed convolution from scratch (book §14.10) against nn.ConvTranspose2d; the bilinear kernel (§14.11)."""

import pytest
import torch
import torch.nn.functional as F

from dive.nn import bilinear_kernel
from dive.scratch import conv_transpose2d, kernel_matrix, trans_conv


def test_the_books_example():
    X = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    assert trans_conv(X, K).tolist() == [[0.0, 0.0, 1.0], [0.0, 4.0, 6.0], [4.0, 12.0, 9.0]]  # book §14.10.1
    assert trans_conv(X, K).tolist() == F.conv_transpose2d(X[None, None], K[None, None])[0, 0].tolist()


@pytest.mark.parametrize(("stride", "padding", "k"), [(1, 0, 2), (2, 0, 2), (1, 1, 2), (2, 1, 3), (3, 2, 4)])
def test_matches_conv_transpose2d_in_values_and_gradients(stride, padding, k):
    g = torch.Generator().manual_seed(stride * 10 + padding)
    X = torch.randn(2, 3, 4, 5, generator=g, dtype=torch.float64, requires_grad=True)
    W = torch.randn(3, 4, k, k, generator=g, dtype=torch.float64, requires_grad=True)
    b = torch.randn(4, generator=g, dtype=torch.float64, requires_grad=True)
    ours = conv_transpose2d(X, W, b, stride=stride, padding=padding)
    theirs = F.conv_transpose2d(X, W, b, stride=stride, padding=padding)
    torch.testing.assert_close(ours, theirs)
    upstream = torch.randn(theirs.shape, generator=g, dtype=torch.float64)
    g1 = torch.autograd.grad((ours * upstream).sum(), (X, W, b))
    g2 = torch.autograd.grad((theirs * upstream).sum(), (X, W, b))
    for a, c in zip(g1, g2):
        torch.testing.assert_close(a, c)


def test_it_is_the_transpose_of_the_convolutions_matrix():
    K = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    X = torch.arange(9.0).reshape(3, 3)
    W = kernel_matrix(K, 3, 3)  # (4, 9), the book's kernel2matrix
    Y = F.conv2d(X[None, None], K[None, None])[0, 0]
    assert torch.equal(Y.flatten(), W @ X.flatten())
    Z = trans_conv(Y, K)
    assert torch.equal(Z.flatten(), W.T @ Y.flatten())  # book §14.10.4


@pytest.mark.parametrize(("k", "s", "p"), [(4, 2, 1), (64, 32, 16)])  # x2, and FCN's x32
def test_bilinear_kernel_upsamples_like_interpolate_away_from_the_border(k, s, p):
    conv = torch.nn.ConvTranspose2d(3, 3, kernel_size=k, stride=s, padding=p, bias=False)
    conv.weight.data.copy_(bilinear_kernel(3, 3, k))
    X = torch.rand(1, 3, 5, 6)
    up = conv(X)
    assert up.shape == (1, 3, 5 * s, 6 * s)
    ref = F.interpolate(X, scale_factor=s, mode="bilinear", align_corners=False)
    m = s // 2 + 1
    torch.testing.assert_close(up[..., m:-m, m:-m], ref[..., m:-m, m:-m], atol=1e-5, rtol=1e-5)
    w = bilinear_kernel(2, 3, 5)
    assert w[0, 1].abs().sum() == 0 and w[1, 1].sum() > 0 and w[0, 2].abs().sum() == 0
