"""A grid of images with titles (the book's `show_images`, §4.2), written to a PNG."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

from torch import Tensor

from dive.plot.figure import pyplot, save


def plot_image_grid(
    images: Tensor,
    titles: Sequence[str],
    path: str | os.PathLike,
    ncols: int = 8,
    scale: float = 1.5,
    value_range: tuple[float, float] | None = None,
) -> Path:
    """images (N, H, W), (N, 1, H, W) or RGB (N, 3, H, W), uint8 or float in [0, 1]; one title per image (e.g.
    "true\\npred"). Each tile is `scale` inches wide, grey images are scaled to their own range as `imshow` does,
    or all to `value_range` (generated images: a grey blob must not be stretched to look like black and white).

    The tiles are drawn into one set of axes whose units are inches, each image at its place (`extent`), its
    title above it: one axes instead of one per image, 5x faster to draw (0.06 against 0.3 s for 16 images),
    which every run that ends with a prediction grid notices."""
    rgb = images.dim() == 4 and images.shape[1] == 3
    images = images.permute(0, 2, 3, 1) if rgb else images[:, 0] if images.dim() == 4 else images
    n = images.shape[0]
    if len(titles) != n:
        raise ValueError(f"{n} images but {len(titles)} titles")
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    aspect = images.shape[1] / images.shape[2]  # height / width, so wide photos leave no empty bands
    band = 0.35 if any(titles) else 0.05  # inches above each tile for its title
    cell_h = scale * aspect + band
    fig = pyplot().figure(figsize=(ncols * scale, nrows * cell_h))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    pad = 0.05 * scale
    tile_w = scale - 2 * pad
    for i in range(n):
        row, col = divmod(i, ncols)
        x0, y0 = col * scale + pad, row * cell_h + band
        img = images[i].detach().cpu()
        vmin, vmax = value_range or (None, None)
        ax.imshow(img.numpy() if rgb else img.float().numpy(), cmap=None if rgb else "gray", vmin=vmin, vmax=vmax,
                  extent=(x0, x0 + tile_w, y0 + tile_w * aspect, y0))  # fmt: skip
        ax.text(x0 + tile_w / 2, y0 - 0.03, titles[i], ha="center", va="bottom", fontsize=8)
    ax.set_xlim(0, ncols * scale)
    ax.set_ylim(nrows * cell_h, 0)  # rows go down, as in the image
    return save(fig, path)
