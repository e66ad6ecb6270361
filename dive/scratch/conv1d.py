"""One-dimensional convolution and max-over-time pooling from scratch (book §16.3.1), what textCNN is built of.

A 1-D cross-correlation slides a kernel of width k along a sequence: y[i] = sum_a x[i + a] k[a], so n inputs give
n - k + 1 outputs. With several input channels (a word vector's dimensions are the channels of a text), each
channel has its own kernel row and the results are summed: a 1-D convolution with c_i input channels is a 2-D
cross-correlation whose kernel is as tall as the input (book fig. 16.3.3). Max-over-time pooling keeps each
channel's largest value, so sequences of any length give one number per channel.
"""

from __future__ import annotations

import torch
from torch import Tensor


def corr1d(X: Tensor, K: Tensor) -> Tensor:
    """The book's loop: X (n,), K (k,) -> (n - k + 1,)."""
    w = K.shape[0]
    return torch.stack([(X[i : i + w] * K).sum() for i in range(X.shape[0] - w + 1)])


def corr1d_multi_in(X: Tensor, K: Tensor) -> Tensor:
    """X (c_i, n), K (c_i, k) -> (n - k + 1,): one corr1d per input channel, summed (book §16.3.1)."""
    return sum(corr1d(x, k) for x, k in zip(X, K))


def conv1d(X: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Batched, vectorised: X (B, c_i, n), weight (c_o, c_i, k), bias (c_o,) -> (B, c_o, n - k + 1).

    `unfold` lays every window out as a column: (B, c_i, n - k + 1, k); one einsum then sums over c_i and k."""
    windows = X.unfold(2, weight.shape[2], 1)  # (B, c_i, n - k + 1, k)
    Y = torch.einsum("bcnk,ock->bon", windows, weight)
    return Y + bias[None, :, None] if bias is not None else Y


def max_over_time(X: Tensor) -> Tensor:
    """(B, C, T) -> (B, C): each channel's largest value over time."""
    return X.max(dim=2).values
