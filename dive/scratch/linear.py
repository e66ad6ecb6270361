"""Linear regression from scratch (book §3.4): a model, a loss, and the book's minibatch iterator.

    y_hat = X w + b,    loss = (y_hat - y)^2 / 2

Shapes: X (n, d), w (d, 1), b (1,), y and y_hat (n, 1).
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor, nn


def data_iter(
    batch_size: int, X: Tensor, y: Tensor, generator: torch.Generator | None = None
) -> Iterator[tuple[Tensor, Tensor]]:
    """The book's minibatch iterator: shuffle the indices, then yield (X, y) slices of `batch_size` rows."""
    indices = torch.randperm(len(X), generator=generator)
    for i in range(0, len(X), batch_size):
        j = indices[i : i + batch_size]
        yield X[j], y[j]


def linreg(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    """The linear model X w + b: (n, d) @ (d, 1) + (1,) -> (n, 1)."""
    return X @ w + b


def squared_loss(y_hat: Tensor, y: Tensor) -> Tensor:
    """Mean over the batch of (y_hat - y)^2 / 2; the 1/2 makes the gradient just (y_hat - y)."""
    return ((y_hat - y.reshape(y_hat.shape)) ** 2 / 2).mean()


class LinearRegressionScratch(nn.Module):
    """w ~ N(0, sigma^2) (d, 1) and b = 0 (1,), as in the book; forward(X (n, d)) -> (n, 1)."""

    def __init__(self, num_inputs: int, sigma: float = 0.01) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.randn(num_inputs, 1) * sigma)
        self.b = nn.Parameter(torch.zeros(1))

    def forward(self, X: Tensor) -> Tensor:
        return linreg(X, self.w, self.b)
