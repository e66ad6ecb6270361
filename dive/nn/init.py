"""Initialisation helpers shared by several models (book §5.4, §7.6)."""

from __future__ import annotations

import torch
from torch import nn


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
