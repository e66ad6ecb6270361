"""Where dive keeps things: the download cache and the default run directory."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """`$DIVE_CACHE`, else `~/.cache/dive`: where downloads land (and one of the places data is looked for)."""
    env = os.environ.get("DIVE_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "dive"


def default_run_dir(recipe: str) -> Path:
    """`runs/NAME` under the current directory."""
    return Path("runs") / recipe
