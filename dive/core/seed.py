"""Seeding and RNG state, so that a run (and a resumed run) is reproducible.

Data order never depends on these global generators: loaders draw each epoch's permutation from their own
generator seeded by (seed, epoch). The global states still matter for initialisation and dropout, so a checkpoint
saves them and a resume restores them.
"""

from __future__ import annotations

import random
from typing import Any

import torch


def _numpy():
    try:
        import numpy
    except ImportError:  # core needs only stdlib + torch
        return None
    return numpy


def seed_everything(seed: int) -> None:
    """Seed Python's `random`, NumPy (if installed) and torch (CPU and every CUDA device)."""
    random.seed(seed)
    np = _numpy()
    if np is not None:
        np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def get_rng_state() -> dict[str, Any]:
    """Every global generator's state: {"python", "numpy", "torch", "cuda"}."""
    np = _numpy()
    return {
        "python": random.getstate(),
        "numpy": np.random.get_state() if np is not None else None,
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what `get_rng_state` returned."""
    random.setstate(state["python"])
    np = _numpy()
    if np is not None and state.get("numpy") is not None:
        np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if state.get("cuda") and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def batch_generator(seed: int, epoch: int, batch: int) -> torch.Generator:
    """A generator for one batch's random augmentation: the same (seed, epoch, batch) gives the same draws, so a
    run resumed mid-epoch augments its batches exactly as the uninterrupted run did."""
    g = torch.Generator()
    g.manual_seed(((seed * 1_000_003 + epoch) * 1_000_033 + batch + 7_919) % 2**63)
    return g


def epoch_generator(seed: int, epoch: int) -> torch.Generator:
    """A generator for one epoch's data order: the same (seed, epoch) gives the same order, resumed or not."""
    g = torch.Generator()
    g.manual_seed(seed * 1_000_003 + epoch)
    return g
