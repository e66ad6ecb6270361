"""A grid of images with titles (the book's `show_images`, §4.2), written to a PNG."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

from torch import Tensor

from dive.plot.figure import pyplot, save


def plot_image_grid(
    images: Tensor, titles: Sequence[str], path: str | os.PathLike, ncols: int = 8, scale: float = 1.5
) -> Path:
    """images (N, H, W) or (N, 1, H, W), uint8 or float; one title per image (e.g. "true\\npred")."""
    if images.dim() == 4:
        images = images[:, 0]
    n = images.shape[0]
    if len(titles) != n:
        raise ValueError(f"{n} images but {len(titles)} titles")
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = pyplot().subplots(nrows, ncols, figsize=(ncols * scale, nrows * (scale + 0.35)), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i].detach().float().cpu().numpy(), cmap="gray")
            ax.set_title(titles[i], fontsize=8)
    return save(fig, path)
