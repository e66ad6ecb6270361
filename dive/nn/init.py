"""Initialisation helpers shared by several models (book §5.4, §7.6)."""

from __future__ import annotations

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
