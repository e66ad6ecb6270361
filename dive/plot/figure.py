"""Shared figure plumbing: a headless backend chosen on first use, and atomic PNG writes.

matplotlib is imported only when a figure is drawn, so `dive list` and the tests that draw nothing start faster.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def pyplot() -> Any:
    """`matplotlib.pyplot` with the Agg backend: files only, never a display."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig: Any, path: str | os.PathLike) -> Path:
    """Write `fig` as PNG to `path` (via a temporary file, so a crash leaves no half image) and close it."""
    from dive.core import DiveError

    path = Path(path)
    if path.is_dir():
        pyplot().close(fig)
        raise DiveError(f"{path} is a folder: give the picture a file name, e.g. {path / 'picture.png'}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    try:
        fig.savefig(tmp, dpi=110, bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        pyplot().close(fig)
        tmp.unlink(missing_ok=True)
    return path
