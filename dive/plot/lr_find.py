"""The learning-rate range test's picture: loss against a log-scaled rate, with the suggested rate marked (and the
rate a recipe is configured with, to compare)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from dive.plot.figure import pyplot, save


def plot_lr_find(lrs: Sequence[float], losses: Sequence[float], smoothed: Sequence[float], path: str | os.PathLike,
                 suggestion: float | None = None, configured: float | None = None,
                 title: str = "") -> Path:  # fmt: skip
    """Each step's loss (faint) and the smoothed loss against the rate (log axis); vertical lines at
    `suggestion` and at the `configured` rate."""
    fig, ax = pyplot().subplots(figsize=(6, 3.8))
    ax.plot(lrs, losses, color="0.8", lw=0.8, label="batch loss")
    ax.plot(lrs, smoothed, color="C0", lw=1.6, label="smoothed loss")
    if suggestion is not None:
        ax.axvline(suggestion, color="C2", ls="--", label=f"suggested {suggestion:.2g}")
    if configured is not None:
        ax.axvline(configured, color="C3", ls=":", label=f"configured {configured:.2g}")
    finite = sorted(s for s in smoothed if s == s)
    if finite:  # the diverging tail would squash the interesting part
        top = finite[0] + 2.5 * (finite[len(finite) // 2] - finite[0]) + 1e-12
        ax.set_ylim(min(finite[0], min(losses)) * 0.95, max(top, finite[0] * 1.2))
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return save(fig, path)
