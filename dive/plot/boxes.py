"""Boxes drawn on images (the book's `show_bboxes`, §14.3-14.5), written to a PNG."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from torch import Tensor

from dive.plot.figure import pyplot, save

COLORS = ("b", "g", "r", "m", "c")


@dataclass
class BoxPanel:
    """One image with boxes: image uint8 (C, H, W) or (H, W), boxes Tensor[N, 4] in pixel corners (x1, y1, x2, y2),
    one label per box (or none), one colour per box (or cycling through COLORS)."""

    image: Tensor
    boxes: Tensor
    labels: Sequence[str] = ()
    title: str = ""
    colors: Sequence[str] = ()


def _draw(ax, panel: BoxPanel) -> None:
    img = panel.image
    img = img.permute(1, 2, 0) if img.dim() == 3 else img
    ax.imshow(img.cpu().numpy(), cmap=None if img.dim() == 3 else "gray")
    ax.set_xlim(0, img.shape[1])  # boxes past the edge stay inside the picture
    ax.set_ylim(img.shape[0], 0)
    ax.axis("off")
    if panel.title:
        ax.set_title(panel.title, fontsize=9)
    plt = pyplot()
    for i, (x1, y1, x2, y2) in enumerate(panel.boxes.detach().cpu().tolist()):
        color = panel.colors[i] if i < len(panel.colors) else COLORS[i % len(COLORS)]
        ax.add_patch(plt.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=color, linewidth=2))
        if i < len(panel.labels) and panel.labels[i]:
            # the label's anchor kept on the picture: text is not clipped, and one far outside would stretch the
            # saved figure (bbox_inches="tight") to millions of pixels
            lx, ly = min(max(x1, 0), img.shape[1]), min(max(y1, 0), img.shape[0])
            ax.text(lx, ly, panel.labels[i], va="center", ha="center", fontsize=8, color="k" if color == "w" else "w",
                    bbox={"facecolor": color, "lw": 0}, clip_on=True)  # fmt: skip


def plot_boxes(panels: Sequence[BoxPanel], path: str | os.PathLike, ncols: int = 3, scale: float = 4.0) -> Path:
    """Panels side by side (wrapping after `ncols`), each an image with its labelled boxes."""
    if not panels:
        raise ValueError("plot_boxes needs at least one panel")
    ncols = min(ncols, len(panels))
    nrows = -(-len(panels) // ncols)
    fig, axes = pyplot().subplots(nrows, ncols, figsize=(ncols * scale, nrows * scale * 0.8), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, panel in zip(axes.flat, panels):
        _draw(ax, panel)
    return save(fig, path)
