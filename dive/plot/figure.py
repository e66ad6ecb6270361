"""Shared figure plumbing: a headless backend, and atomic PNG writes."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display

import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)


def save(fig: "plt.Figure", path: str | os.PathLike) -> Path:
    """Write `fig` as PNG to `path` (via a temporary file, so a crash leaves no half image) and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110, bbox_inches="tight")
    plt.close(fig)
    os.replace(tmp, path)
    return path
