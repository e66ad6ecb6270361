"""Attention heatmaps (book §11.1, `show_heatmaps`): one panel per matrix, queries down, keys across; and the
confusion matrix of a classifier."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from torch import Tensor

from dive.plot.figure import pyplot, save


def plot_heatmaps(
    matrices: Tensor,
    path: str | os.PathLike,
    *,
    xlabel: str = "keys",
    ylabel: str = "queries",
    titles: Sequence[str] | None = None,
    xticks: Sequence[str] | None = None,
    yticks: Sequence[str] | None = None,
) -> Path:
    """matrices (n, Q, K) (or (Q, K)): n panels in a row, sharing one colour bar."""
    m = matrices.detach().float().cpu()
    if m.dim() == 2:
        m = m[None]
    n = m.shape[0]
    fig, axes = pyplot().subplots(1, n, figsize=(2.6 * n + 1, 2.8), squeeze=False)
    for i, ax in enumerate(axes[0]):
        im = ax.imshow(m[i].numpy(), cmap="Reds", vmin=0, vmax=max(float(m.max()), 1e-9))
        ax.set_xlabel(xlabel)
        if i == 0:
            ax.set_ylabel(ylabel)
        if titles:
            ax.set_title(titles[i])
        if xticks:
            ax.set_xticks(range(len(xticks)), list(xticks), rotation=90, fontsize=7)
        if yticks:
            ax.set_yticks(range(len(yticks)), list(yticks), fontsize=7)
    fig.colorbar(im, ax=axes[0].tolist(), shrink=0.7)
    return save(fig, path)


def plot_confusion(counts: Tensor, labels: Sequence[str], path: str | os.PathLike) -> Path:
    """counts (C, C), rows true and columns predicted, drawn as fractions of each true class, with the counts."""
    c = counts.detach().cpu()
    frac = c.float() / c.sum(dim=1, keepdim=True).clamp(min=1)
    fig, ax = pyplot().subplots(figsize=(0.55 * len(labels) + 2.5, 0.5 * len(labels) + 1.8))
    im = ax.imshow(frac.numpy(), cmap="Blues", vmin=0, vmax=1)
    for i in range(c.shape[0]):
        for j in range(c.shape[1]):
            if c[i, j]:
                ax.text(j, i, str(int(c[i, j])), ha="center", va="center", fontsize=6,
                        color="white" if frac[i, j] > 0.5 else "black")  # fmt: skip
    ax.set_xticks(range(len(labels)), list(labels), rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), list(labels), fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"accuracy {float(c.diag().sum()) / max(int(c.sum()), 1):.3f}")
    fig.colorbar(im, ax=ax, shrink=0.8, label="fraction of the true class")
    return save(fig, path)
