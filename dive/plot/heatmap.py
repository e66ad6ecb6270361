"""Attention heatmaps (book §11.1, `show_heatmaps`): one panel per matrix, queries down, keys across."""

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
