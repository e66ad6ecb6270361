"""Value functions and policies on a grid world (book §17.2's figure), one panel per iteration.

`ARROWS` maps FrozenLake's actions (0 left, 1 down, 2 right, 3 up) to arrow directions in image coordinates, where
rows grow downward: "up" is (0, -1). The book's helper maps both left and up to (-0.25, 0), so its figures draw
every "up" as "left".
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from torch import Tensor

from dive.plot.figure import pyplot, save

ARROWS = {0: (-1.0, 0.0), 1: (0.0, 1.0), 2: (1.0, 0.0), 3: (0.0, -1.0)}  # (dx, dy), dy > 0 is down the grid


def plot_value_progress(desc: Sequence[str], values: Sequence[Tensor], policies: Sequence[Tensor],
                        path: str | os.PathLike, titles: Sequence[str] = ()) -> Path:  # fmt: skip
    """Each (V, pi) as a heatmap of V over the map with pi's arrow in every non-terminal cell (S, H, G marked)."""
    plt = pyplot()
    rows, cols = len(desc), len(desc[0])
    n = len(values)
    ncols = min(n, 5)
    nrows = (n + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.3 * ncols, 2.3 * nrows), squeeze=False)
    vmax = max(float(v.max()) for v in values) or 1.0
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(values[i].reshape(rows, cols).numpy(), cmap="viridis", vmin=0, vmax=vmax)
        for s in range(rows * cols):
            r, c = divmod(s, cols)
            cell = desc[r][c]
            if cell in "HG":
                ax.text(c, r, cell, ha="center", va="center", color="white", fontsize=11, weight="bold")
                continue
            dx, dy = ARROWS[int(policies[i][s])]
            ax.arrow(c - 0.25 * dx, r - 0.25 * dy, 0.4 * dx, 0.4 * dy, head_width=0.15, color="white")
        ax.set_title(titles[i] if i < len(titles) else f"iteration {i}", fontsize=9)
    return save(fig, path)
