"""Attention pooling by similarity: Nadaraya-Watson kernel regression (book §11.2), attention before deep learning.

    f(q) = sum_i alpha(q, k_i) v_i,   alpha(q, k_i) = K(q - k_i) / sum_j K(q - k_j)

The training inputs are keys, their labels values, each validation point a query: the prediction is a weighted
average of labels, weighted by how close their inputs are. The parametric version learns the kernel's width w
in exp(-((q - k) w)^2 / 2) by gradient descent (book zh 2.0 §10.2.4).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn


def gaussian(d: Tensor) -> Tensor:
    return torch.exp(-(d**2) / 2)


def boxcar(d: Tensor) -> Tensor:
    return (d.abs() < 1.0).to(d.dtype)


def constant(d: Tensor) -> Tensor:
    return torch.ones_like(d)


def epanechikov(d: Tensor) -> Tensor:
    return torch.clamp(1 - d.abs(), min=0)


KERNELS: dict[str, Callable[[Tensor], Tensor]] = {
    "gaussian": gaussian,
    "boxcar": boxcar,
    "constant": constant,
    "epanechikov": epanechikov,
}


def nadaraya_watson(
    x_train: Tensor, y_train: Tensor, x_val: Tensor, kernel: Callable[[Tensor], Tensor] = gaussian
) -> tuple[Tensor, Tensor]:
    """x_train, y_train (n,), x_val (m,) -> (y_hat (m,), attention weights (m, n), each row summing to 1).

    A query with no key in the kernel's support (boxcar, Epanechikov) gets zero weights and predicts 0.
    """
    k = kernel(x_val[:, None] - x_train[None, :])  # (m, n)
    total = k.sum(1, keepdim=True)
    weights = torch.where(total > 0, k / total.clamp(min=torch.finfo(k.dtype).tiny), torch.zeros_like(k))
    return weights @ y_train, weights


class NWKernelRegression(nn.Module):
    """Parametric Nadaraya-Watson: a Gaussian kernel with a learned width `w` (one scalar)."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.rand(1))
        self.attention_weights: Tensor | None = None

    def forward(self, queries: Tensor, keys: Tensor, values: Tensor) -> Tensor:
        """queries (m,), keys and values (m, n): each query has its own n key-value pairs -> (m,)."""
        scores = -(((queries[:, None] - keys) * self.w) ** 2) / 2
        self.attention_weights = torch.softmax(scores, dim=1)  # (m, n)
        return (self.attention_weights * values).sum(1)


def leave_one_out(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """For training the width: row i holds every training pair except pair i, (n, n - 1) keys and values,
    so a point never explains itself (with itself among the keys, w would grow until it only looks at itself)."""
    n = x.numel()
    mask = ~torch.eye(n, dtype=torch.bool)
    return x.expand(n, n)[mask].reshape(n, n - 1), y.expand(n, n)[mask].reshape(n, n - 1)
