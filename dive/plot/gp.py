"""Gaussian-process pictures (book §18.2-18.3): prior samples, and a posterior's mean with its 2-sd band."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from torch import Tensor

from dive.plot.figure import pyplot, save


def plot_gp_panels(panels: Sequence[dict], path: str | os.PathLike, ncols: int = 3) -> Path:
    """One axis per panel: {"title", "x" (m,), "samples" (k, m) optional, "mean"/"sd" (m,) optional, "data"
    ((n,), (n,)) optional, "truth" (m,) optional}."""
    plt = pyplot()
    ncols = min(ncols, len(panels))
    nrows = (len(panels) + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(4 * ncols, 3 * nrows), squeeze=False)
    for ax, p in zip(axes.flat, panels, strict=False):
        x = p["x"].numpy()
        if p.get("mean") is not None:
            m, sd = p["mean"].numpy(), p["sd"].numpy()
            ax.fill_between(x, m - 2 * sd, m + 2 * sd, alpha=0.25, label="mean ± 2 sd")
            ax.plot(x, m, lw=2, label="posterior mean")
        for s in _rows(p.get("samples")):
            ax.plot(x, s, lw=0.8, alpha=0.7)
        if p.get("truth") is not None:
            ax.plot(x, p["truth"].numpy(), "k--", lw=1, label="truth")
        if p.get("data") is not None:
            ax.scatter(p["data"][0].numpy(), p["data"][1].numpy(), s=10, c="k", label="data")
        ax.set_title(p.get("title", ""), fontsize=9)
        ax.grid(alpha=0.3)
        if p.get("mean") is not None:
            ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    return save(fig, path)


def _rows(samples: Tensor | None) -> list:
    return [] if samples is None else list(samples.numpy())
