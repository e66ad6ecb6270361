"""Optimization trajectories over the objective's contour lines (book §12.3, `show_trace_2d`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import torch
from torch import Tensor

from dive.plot.figure import pyplot, save


def plot_traces_2d(
    f: Callable[[Tensor], Tensor],
    traces: Mapping[str, Sequence[tuple[float, float]]],
    path: str | os.PathLike,
    start: tuple[float, float] = (-5.0, -2.0),
    box: tuple[float, float, float, float] = (-5.5, 1.0, -3.0, 1.0),
    cols: int = 3,
) -> Path:
    """One panel per named trace: contours of f(x) with x = (x1, x2) stacked on axis 0, and the path from `start`."""
    x1, x2 = torch.meshgrid(torch.linspace(box[0], box[1], 120), torch.linspace(box[2], box[3], 120), indexing="ij")
    z = f(torch.stack([x1, x2]))
    n = len(traces)
    rows = (n + cols - 1) // cols
    fig, axes = pyplot().subplots(rows, min(n, cols), figsize=(3.4 * min(n, cols), 2.8 * rows), squeeze=False)
    for ax, (name, trace) in zip(axes.flat, traces.items(), strict=False):
        ax.contour(x1.numpy(), x2.numpy(), z.numpy(), colors="#1f77b4", levels=12, linewidths=0.6)
        pts = [start, *trace]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "-o", color="#ff7f0e", markersize=3)
        ax.set_xlim(box[0], box[1])
        ax.set_ylim(box[2], box[3])
        ax.set_title(name, fontsize=8)
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.tight_layout()
    return save(fig, path)
