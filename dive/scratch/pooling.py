"""Pooling from scratch (book §7.5): maximum and average over windows, with padding and stride.

Pooling has no parameters. It makes a layer less sensitive to where exactly a feature sits, and with stride > 1 it
shrinks the spatial resolution. Each channel is pooled on its own, so the number of channels does not change.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor, nn

from dive.nn.shapes import conv_out_size


def pool2d(X: Tensor, pool_size: tuple[int, int], mode: Literal["max", "avg"] = "max") -> Tensor:
    """The book's loop (§7.5.1): X (h, w) -> (h - p_h + 1, w - p_w + 1), stride 1, no padding."""
    p_h, p_w = pool_size
    rows = []
    for i in range(X.shape[0] - p_h + 1):
        row = []
        for j in range(X.shape[1] - p_w + 1):
            window = X[i : i + p_h, j : j + p_w]
            row.append(window.max() if mode == "max" else window.mean())
        rows.append(torch.stack(row))
    return torch.stack(rows)


def pool2d_batched(
    X: Tensor, kernel: int, padding: int = 0, stride: int | None = None, mode: Literal["max", "avg"] = "max"
) -> Tensor:
    """X (n, c, h, w) -> (n, c, h', w'); stride defaults to the kernel size, as in `nn.MaxPool2d`.

    Matches `nn.MaxPool2d` / `nn.AvgPool2d` (whose default `count_include_pad=True` counts padded zeros in the
    average): max pooling pads with -inf so padding never wins, average pooling pads with zeros.
    """
    if mode not in ("max", "avg"):
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    if padding > kernel // 2:
        raise ValueError(f"padding {padding} should be at most half the kernel size {kernel}")
    stride = stride or kernel
    oh = conv_out_size(X.shape[2], kernel, padding, stride)
    ow = conv_out_size(X.shape[3], kernel, padding, stride)
    fill = float("-inf") if mode == "max" else 0.0
    Xp = nn.functional.pad(X, (padding, padding, padding, padding), value=fill)
    # one strided slice per window offset: (k * k, n, c, h', w')
    windows = torch.stack(
        [
            Xp[:, :, a : a + stride * (oh - 1) + 1 : stride, b : b + stride * (ow - 1) + 1 : stride]
            for a in range(kernel)
            for b in range(kernel)
        ]
    )
    return windows.amax(dim=0) if mode == "max" else windows.mean(dim=0)
