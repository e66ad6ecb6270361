"""The one way dive caches what it derives (pretrained source models, tokenised corpora, generated sets): an entry
named by a digest of everything it was made from, written whole or not at all.

    path = keyed_path("pretrained", "bert-quick", {"data": [...sha256...], "config": {...}})
    build_once(path, lambda tmp: train_and_save(tmp))   # the first caller makes it; later ones find it

A key holds the inputs' hashes, not their paths, so a changed input makes a new entry and a moved one does not.
`make` writes a temporary sibling (a file or a folder) that is renamed into place only when `make` returns: a
crash, a full disk or ^C leaves the old state, never half an entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dive.core.paths import cache_dir


def key_digest(key: Any) -> str:
    """16 hex digits of the sha256 of `key` as canonical JSON (sorted keys)."""
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def keyed_path(kind: str, name: str, key: Any, suffix: str = "") -> Path:
    """`<cache>/<kind>/<name>-<digest of key><suffix>`."""
    return cache_dir() / kind / f"{name}-{key_digest(key)}{suffix}"


def build_once(path: Path, make: Callable[[Path], None]) -> Path:
    """`path` when it exists; otherwise `make(tmp)` writes a temporary sibling, renamed to `path` when whole."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        make(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
    return path
