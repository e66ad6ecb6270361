"""Metrics accumulated over batches: each is a per-batch *sum*, divided by the example count at the end.

Summing (not averaging) per batch makes the epoch value exact whatever the batch sizes, and lets the trainer keep
the running sums on the device without a host sync per step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor


@dataclass(frozen=True)
class Metric:
    """`fn(outputs, y)` returns the batch sum; `root=True` reports sqrt(mean) (RMSE-style), `exp=True` exp(mean)."""

    name: str
    fn: Callable[[Tensor, Tensor], Tensor]
    root: bool = False
    exp: bool = False

    def finalize(self, total: float, count: int) -> float:
        mean = total / max(count, 1)
        if self.exp:
            return math.exp(min(mean, 700.0))  # exp(700) ~ 1e304: still a float
        return math.sqrt(mean) if self.root else mean


def correct_count(logits: Tensor, y: Tensor) -> Tensor:
    """Number of rows whose arg-max class equals the label. logits (B, C), y (B,)."""
    return (logits.argmax(dim=1) == y).sum()


@torch.inference_mode()
def confusion_matrix(model: torch.nn.Module, loader: Any, num_classes: int, device: Any = "cpu") -> Tensor:
    """(C, C) int64 counts over `loader`'s (X, y) batches: row = true class, column = predicted class.

    A column of zeros is a class the model never predicts, e.g. one whose score a final ReLU has killed (NiN)."""
    model.eval()
    counts = torch.zeros(num_classes * num_classes, dtype=torch.long, device=device)
    for X, y in loader:
        pred = model(X.to(device)).argmax(dim=1)
        counts += torch.bincount(y.to(device) * num_classes + pred, minlength=num_classes * num_classes)
    return counts.view(num_classes, num_classes).cpu()


def squared_log_error_sum(preds: Tensor, y: Tensor) -> Tensor:
    """sum (log max(pred, 1) - log y)^2: the Kaggle house-price criterion, before the mean and the root.

    Clamping at 1 keeps log finite for a model that predicts a non-positive price early in training (book §5.7).
    """
    return (torch.log(preds.clamp(min=1.0)) - torch.log(y)).pow(2).sum()


def token_nll_sum(logits: Tensor, y: Tensor) -> Tensor:
    """Summed cross-entropy over every token: logits (B, T, V), y (B, T)."""
    return torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]).float(), y.reshape(-1), reduction="sum"
    )


def sequence_loss(logits: Tensor, y: Tensor, ignore_index: int = -100) -> Tensor:
    """Mean cross-entropy per token: logits (B, T, V), y (B, T) (the language-model loss, book §9.5).

    `ignore_index` leaves out padding (the masked loss of book §10.7.2): the mean is over real tokens only.
    """
    return torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=ignore_index
    )


def token_count(y: Tensor, ignore_index: int = -100) -> Tensor:
    """The tokens of y that `sequence_loss(..., ignore_index)` averages over: the step's count for a masked loss."""
    return (y != ignore_index).sum()


accuracy = Metric("acc", correct_count)
# perplexity = exp(mean cross-entropy per token) (book §9.3.2): 1 is perfect, V is guessing uniformly
perplexity = Metric("ppl", token_nll_sum, exp=True)
log_rmse = Metric("log_rmse", squared_log_error_sum, root=True)


def format_summary(metrics: dict[str, float], device: str, valid_name: str = "test", unit: str = "examples") -> str:
    """The book's one-line summary: `loss 0.469, train acc 0.823, test acc 0.779, 55296.6 examples/sec on cpu`."""
    parts = []
    if "train_loss" in metrics:
        parts.append(f"loss {metrics['train_loss']:.3f}")
    for key, value in metrics.items():
        if key.startswith("train_") and key != "train_loss":
            parts.append(f"train {key[6:].replace('_', ' ')} {value:.3f}")
    for key, value in metrics.items():
        if key.startswith(f"{valid_name}_") and key != f"{valid_name}_loss":
            parts.append(f"{valid_name} {key[len(valid_name) + 1 :].replace('_', ' ')} {value:.3f}")
    if f"{valid_name}_loss" in metrics and len(parts) <= 2:
        parts.append(f"{valid_name} loss {metrics[f'{valid_name}_loss']:.4g}")
    if "examples_per_sec" in metrics:
        parts.append(f"{metrics['examples_per_sec']:.1f} {unit}/sec on {device}")
    return ", ".join(parts)
