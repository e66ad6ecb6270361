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
    """images (N, H, W), (N, 1, H, W) or RGB (N, 3, H, W), uint8 or float in [0, 1]; one title per image (e.g.
    "true\\npred")."""
    rgb = images.dim() == 4 and images.shape[1] == 3
    images = images.permute(0, 2, 3, 1) if rgb else images[:, 0] if images.dim() == 4 else images
    n = images.shape[0]
    if len(titles) != n:
        raise ValueError(f"{n} images but {len(titles)} titles")
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    aspect = images.shape[1] / images.shape[2]  # height / width, so wide photos leave no empty bands
    fig, axes = pyplot().subplots(nrows, ncols, figsize=(ncols * scale, nrows * (scale * aspect + 0.35)), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            img = images[i].detach().cpu()
            ax.imshow(img.numpy() if rgb else img.float().numpy(), cmap=None if rgb else "gray")
            ax.set_title(titles[i], fontsize=8)
    return save(fig, path)
