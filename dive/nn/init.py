"""Initialisation helpers shared by several models (book §5.4, §7.6; the bilinear kernel of §14.11)."""

from __future__ import annotations

import torch
from torch import Tensor, nn


def init_xavier(module: nn.Module) -> None:
    """Xavier-uniform weights and zero biases for every Linear and Conv layer: `model.apply(init_xavier)`."""
    if isinstance(module, (nn.Linear, nn.Conv1d, nn.Conv2d)):
        nn.init.xavier_uniform_(module.weight)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


def init_normal(sigma: float = 0.01):
    """Return an `apply` function setting Linear weights ~ N(0, sigma^2) and biases to 0 (the book's default)."""

    def apply(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, std=sigma)
            nn.init.zeros_(module.bias)

    return apply


def init_constant(value: float = 1.0):
    """Return an `apply` function setting Linear weights to `value` and biases to 0 (book §6.3.1)."""

    def apply(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.constant_(module.weight, value)
            nn.init.zeros_(module.bias)

    return apply


def init_book_custom(module: nn.Module) -> None:
    """The book's custom initialisation (§6.3.1.2): w ~ U(-10, 10), then zero every |w| < 5.

    So each weight is 0 with probability 1/2 and otherwise uniform on [-10, -5] or [5, 10].
    """
    if isinstance(module, nn.Linear):
        with torch.no_grad():
            nn.init.uniform_(module.weight, -10, 10)
            module.weight *= module.weight.abs() >= 5


def bilinear_kernel(in_channels: int, out_channels: int, kernel_size: int) -> Tensor:
    """Weights (in, out, k, k) for nn.ConvTranspose2d that upsample by bilinear interpolation (book §14.11.2):
    channel c maps to channel c through the tent filter (1 - |x - centre| / f)(1 - |y - centre| / f),
    f = (k + 1) // 2; other channel pairs are 0. FCN starts its x32 transposed convolution (k = 64, stride 32,
    padding 16) from it, so the untrained head already enlarges the class map smoothly."""
    factor = (kernel_size + 1) // 2
    center = factor - 1 if kernel_size % 2 == 1 else factor - 0.5
    og = torch.arange(kernel_size, dtype=torch.float32)
    filt = (1 - (og.view(-1, 1) - center).abs() / factor) * (1 - (og.view(1, -1) - center).abs() / factor)
    weight = torch.zeros(in_channels, out_channels, kernel_size, kernel_size)
    n = min(in_channels, out_channels)
    weight[range(n), range(n)] = filt
    return weight
