"""Transposed convolution (book §14.10), from scratch: each input element scatters a scaled copy of the kernel.

A convolution gathers a window of the input into one output element; a transposed convolution does the reverse:
input element (i, j) adds X[i, j] * K into the output window at (i * stride, j * stride). The output therefore
grows, (H - 1) * stride - 2 * padding + k_h high, which is how FCN (§14.11) upsamples a coarse feature map back to
the image. Padding is removed from the output's border (the opposite of a convolution, which adds it to the
input). The name: written as a matrix product, a convolution is y = W x; this is x' = W^T y, with the same W
(`kernel_matrix`, checked by tests), so it undoes the convolution's shape, not its values.
"""

from __future__ import annotations

import torch
from torch import Tensor


def trans_conv(X: Tensor, K: Tensor) -> Tensor:
    """The book's basic version: X (H, W), K (h, w) -> (H + h - 1, W + w - 1), stride 1, no padding."""
    h, w = K.shape
    Y = X.new_zeros(X.shape[0] + h - 1, X.shape[1] + w - 1)
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            Y[i : i + h, j : j + w] += X[i, j] * K
    return Y


def conv_transpose2d(
    X: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1, padding: int = 0
) -> Tensor:
    """X (N, C_in, H, W), weight (C_in, C_out, k_h, k_w) (nn.ConvTranspose2d's layout) -> (N, C_out, H', W'),
    H' = (H - 1) * stride - 2 * padding + k_h; the same as `F.conv_transpose2d` (tests)."""
    N, _, H, W = X.shape
    _, c_out, kh, kw = weight.shape
    Y = X.new_zeros(N, c_out, (H - 1) * stride + kh, (W - 1) * stride + kw)
    for i in range(H):
        for j in range(W):
            # (N, C_in) x (C_in, C_out, kh, kw) -> (N, C_out, kh, kw), added at the window of (i, j)
            Y[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw] += torch.einsum(
                "nc,cokl->nokl", X[:, :, i, j], weight
            )
    if padding:
        Y = Y[:, :, padding : Y.shape[2] - padding, padding : Y.shape[3] - padding]
    return Y if bias is None else Y + bias.view(1, -1, 1, 1)


def kernel_matrix(K: Tensor, in_h: int, in_w: int) -> Tensor:
    """The stride-1, unpadded convolution by K (h, w) on an (in_h, in_w) input as a matrix W:
    conv(X).flatten() == W @ X.flatten(), W of shape ((in_h - h + 1) (in_w - w + 1), in_h in_w) (the book's
    `kernel2matrix`, for any sizes)."""
    h, w = K.shape
    out_h, out_w = in_h - h + 1, in_w - w + 1
    W = K.new_zeros(out_h * out_w, in_h * in_w)
    for i in range(out_h):
        for j in range(out_w):
            window = K.new_zeros(in_h, in_w)
            window[i : i + h, j : j + w] = K
            W[i * out_w + j] = window.flatten()
    return W
