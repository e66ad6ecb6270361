"""Panels of functions with marked points and chords: the book's illustrations of §12.1-12.2 (local minima, saddle
points, vanishing gradients, convexity)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from torch import Tensor

from dive.plot.figure import pyplot, save


@dataclass
class Panel:
    """One axis: `curves` name -> (x, y); `points` label -> (x, y) marked and annotated; `chords` (x0, y0, x1, y1)
    drawn dashed (a convex function lies below each chord); `grid` (X, Y, Z) draws filled contours of a 2-D
    function instead (e.g. the saddle x^2 - y^2)."""

    title: str
    curves: dict[str, tuple[Tensor, Tensor]] = field(default_factory=dict)
    points: dict[str, tuple[float, float]] = field(default_factory=dict)
    chords: list[tuple[float, float, float, float]] = field(default_factory=list)
    grid: tuple[Tensor, Tensor, Tensor] | None = None


def plot_function_panels(panels: Sequence[Panel], path: str | os.PathLike, cols: int = 3) -> Path:
    """Draw `panels` side by side (`cols` per row) into one PNG."""
    n = len(panels)
    rows = (n + cols - 1) // cols
    fig, axes = pyplot().subplots(rows, min(n, cols), figsize=(3.6 * min(n, cols), 3.0 * rows), squeeze=False)
    for ax, panel in zip(axes.flat, panels, strict=False):
        if panel.grid is not None:
            X, Y, Z = (t.numpy() for t in panel.grid)
            filled = ax.contourf(X, Y, Z, levels=20, cmap="viridis")
            fig.colorbar(filled, ax=ax, shrink=0.8)
        for name, (x, y) in panel.curves.items():
            ax.plot(x.numpy(), y.numpy(), label=name)
        for x0, y0, x1, y1 in panel.chords:
            ax.plot([x0, x1], [y0, y1], "--", color="purple")
        for label, (x, y) in panel.points.items():
            ax.plot([x], [y], "o", color="red", markersize=4)
            ax.annotate(label, (x, y), textcoords="offset points", xytext=(6, 8), fontsize=7)
        ax.set_title(panel.title, fontsize=9)
        if len(panel.curves) > 1:
            ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.tight_layout()
    return save(fig, path)
