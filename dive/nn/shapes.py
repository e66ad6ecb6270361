"""Output sizes of convolutions and pooling (book §7.3), so models can write their layer sizes out.

out = floor((size + 2 * padding - kernel) / stride) + 1
"""

from __future__ import annotations


def conv_out_size(size: int, kernel: int, padding: int = 0, stride: int = 1) -> int:
    """floor((size + 2 padding - kernel) / stride) + 1, the output size of a convolution or pooling (book §7.3)."""
    out = (size + 2 * padding - kernel) // stride + 1
    if out < 1:
        raise ValueError(f"kernel {kernel} with padding {padding} does not fit an input of size {size}")
    return out
