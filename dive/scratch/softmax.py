"""Softmax regression from scratch (book §4.4), numerically stable.

    softmax(o)_j = exp(o_j - max o) / sum_k exp(o_k - max o)
    cross-entropy(o, y) = logsumexp(o) - o_y

Deliberate difference from the book: its model returns probabilities and its loss takes `-log(y_hat[y])`, which is
-inf when a probability underflows to 0. Here the model returns logits and the loss uses log-sum-exp (book §4.5.2
explains why), so the same pieces work for every classifier.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def softmax(X: Tensor) -> Tensor:
    """Row-wise softmax of logits X (n, q) -> probabilities (n, q); subtracting the row max avoids overflow."""
    X_exp = torch.exp(X - X.max(dim=1, keepdim=True).values)
    return X_exp / X_exp.sum(dim=1, keepdim=True)


def logsumexp(X: Tensor) -> Tensor:
    """log sum_j exp(X_j) per row, (n, q) -> (n,), computed as max + log sum exp(X - max)."""
    m = X.max(dim=1, keepdim=True).values
    return (m + torch.log(torch.exp(X - m).sum(dim=1, keepdim=True))).squeeze(1)


def cross_entropy(logits: Tensor, y: Tensor) -> Tensor:
    """Mean cross-entropy of logits (n, q) against class indices y (n,)."""
    picked = logits.gather(1, y.reshape(-1, 1)).squeeze(1)
    return (logsumexp(logits) - picked).mean()


class SoftmaxRegressionScratch(nn.Module):
    """W ~ N(0, sigma^2) (num_inputs, num_outputs), b = 0; forward(X (n, 1, 28, 28) or (n, d)) -> logits (n, q)."""

    def __init__(self, num_inputs: int, num_outputs: int, sigma: float = 0.01) -> None:
        super().__init__()
        self.W = nn.Parameter(torch.randn(num_inputs, num_outputs) * sigma)
        self.b = nn.Parameter(torch.zeros(num_outputs))

    def forward(self, X: Tensor) -> Tensor:
        X = X.reshape(-1, self.W.shape[0])  # flatten each image to a row
        return X @ self.W + self.b
