"""Convolutions from scratch (book §7.2-7.4): cross-correlation, padding, stride, channels, 1x1 convolution.

What the book calls convolution is cross-correlation: the kernel slides over the input without being flipped,

    Y[i, j] = sum_{a, b} X[i + a, j + b] * K[a, b]

An input of height h and kernel height k_h with padding p_h and stride s_h gives an output of height
floor((h + 2 p_h - k_h) / s_h) + 1 (book §7.3); the same holds for the width.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from dive.nn.shapes import conv_out_size


def corr2d(X: Tensor, K: Tensor) -> Tensor:
    """Two-dimensional cross-correlation (book §7.2.1), the double loop: X (h, w), K (kh, kw) -> (h-kh+1, w-kw+1)."""
    h, w = K.shape
    rows = []
    for i in range(X.shape[0] - h + 1):
        rows.append(torch.stack([(X[i : i + h, j : j + w] * K).sum() for j in range(X.shape[1] - w + 1)]))
    return torch.stack(rows)


class Conv2D(nn.Module):
    """The book's single-channel convolutional layer (§7.2.3): corr2d(X, weight) + bias, X (h, w)."""

    def __init__(self, kernel_size: tuple[int, int]) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, X: Tensor) -> Tensor:
        return corr2d(X, self.weight) + self.bias


def edge_data(height: int = 6, width: int = 8) -> tuple[Tensor, Tensor]:
    """The book's edge picture (§7.2.2): ones with a black (zero) band in columns 2..5, and its edges.

    X (h, w); Y = corr2d(X, [[1, -1]]) (h, w - 1) is 1 on a white-to-black edge, -1 on black-to-white, 0 elsewhere.
    """
    X = torch.ones(height, width)
    X[:, 2 : width - 2] = 0
    return X, corr2d(X, torch.tensor([[1.0, -1.0]]))


def learn_kernel(X: Tensor, Y: Tensor, kernel_size: tuple[int, int] = (1, 2), lr: float = 3e-2, steps: int = 10):
    """Learn the kernel that maps X to Y by gradient descent on the squared error (book §7.2.4).

    Returns (kernel (kh, kw), losses per step). On `edge_data()` the kernel approaches [[1, -1]].
    """
    torch.manual_seed(0)
    weight = torch.rand(kernel_size, requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = ((corr2d(X, weight) - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            weight -= lr * weight.grad
            weight.grad = None
        losses.append(loss.item())
    return weight.detach(), losses


def corr2d_multi_in(X: Tensor, K: Tensor) -> Tensor:
    """Multiple input channels (book §7.4.1): X (c_i, h, w), K (c_i, kh, kw) -> the sum over channels (h', w')."""
    return sum(corr2d(x, k) for x, k in zip(X, K, strict=True))


def corr2d_multi_in_out(X: Tensor, K: Tensor) -> Tensor:
    """Multiple output channels (book §7.4.2): X (c_i, h, w), K (c_o, c_i, kh, kw) -> (c_o, h', w')."""
    return torch.stack([corr2d_multi_in(X, k) for k in K])


def corr2d_multi_in_out_1x1(X: Tensor, K: Tensor) -> Tensor:
    """A 1x1 convolution is a fully connected layer applied at every pixel (book §7.4.3).

    X (c_i, h, w), K (c_o, c_i, 1, 1) -> (c_o, h, w), computed as one matrix product (c_o, c_i) @ (c_i, h * w).
    """
    c_i, h, w = X.shape
    c_o = K.shape[0]
    return (K.reshape(c_o, c_i) @ X.reshape(c_i, h * w)).reshape(c_o, h, w)


def conv2d(X: Tensor, weight: Tensor, bias: Tensor | None = None, padding: int = 0, stride: int = 1) -> Tensor:
    """A batched convolution with padding and stride: X (n, c_i, h, w), weight (c_o, c_i, kh, kw) -> (n, c_o, h', w').

    Equal to `torch.nn.functional.conv2d`. Instead of sliding the kernel pixel by pixel, it loops over the kh * kw
    kernel offsets: each offset contributes its strided slice of the padded input times a (c_o, c_i) matrix, so
    the work is kh * kw matrix products rather than h' * w' small dot products.
    """
    if X.dim() != 4 or weight.dim() != 4 or X.shape[1] != weight.shape[1]:
        raise ValueError(f"expected X (n, c_i, h, w) and weight (c_o, c_i, kh, kw), got {X.shape} and {weight.shape}")
    kh, kw = weight.shape[2:]
    oh = conv_out_size(X.shape[2], kh, padding, stride)
    ow = conv_out_size(X.shape[3], kw, padding, stride)
    Xp = nn.functional.pad(X, (padding, padding, padding, padding))
    Y = X.new_zeros(X.shape[0], weight.shape[0], oh, ow)
    for a in range(kh):
        for b in range(kw):
            patch = Xp[:, :, a : a + stride * (oh - 1) + 1 : stride, b : b + stride * (ow - 1) + 1 : stride]
            Y = Y + torch.einsum("nchw,oc->nohw", patch, weight[:, :, a, b])
    if bias is not None:
        Y = Y + bias.reshape(1, -1, 1, 1)
    return Y
