"""Shared fixtures. Tests never touch the network or the user's cache; real data is read only when present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

os.environ.setdefault("MPLBACKEND", "Agg")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def real_data_root() -> Path | None:
    """$DIVE_DATA if set and present, else ../shared/data beside the checkout, else None."""
    env = os.environ.get("DIVE_DATA")
    for cand in (Path(env) if env else None, SHARED_DATA):
        if cand is not None and (cand / "fashion-mnist").is_dir():
            return cand
    return None


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Point the download cache at an empty temporary folder, so ~/.cache/dive never leaks into a test."""
    monkeypatch.setenv("DIVE_CACHE", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def data_root() -> Path:
    root = real_data_root()
    if root is None:
        pytest.skip("real datasets not available (set DIVE_DATA or put ../shared/data beside the checkout)")
    return root


@pytest.fixture
def f64():
    """Run a test in float64 (parity tests), restoring the default afterwards."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def pytest_collection_modifyitems(config, items):
    if not torch.cuda.is_available():
        skip = pytest.mark.skip(reason="needs a CUDA GPU")
        for item in items:
            if "gpu" in item.keywords:
                item.add_marker(skip)
