"""Keep freed CPU tensor memory in the process, so a training step does not page-fault its activations back in.

Why: glibc's `malloc` hands every block over its mmap threshold (128 KiB to start) straight to the kernel, and
returns it on `free`. A training step frees its activations and asks for the same sizes again in the next step,
so every step maps fresh pages and the kernel zero-fills each 4 KiB page on first touch: LeNet's step at batch 128
took ~2,300 minor page faults, and the elementwise ops that first write a fresh tensor (sigmoid's backward,
average pooling) spent most of their time in them. With the threshold raised (and the heap's top kept rather than
trimmed), the freed blocks are reused: 0 faults per step and 1.3x the examples/s of one core
(`python benchmarks/malloc_faults.py`). The price: memory freed by tensors stays with the process (up to the
largest step's peak) instead of going back to the OS.

`keep_freed_memory()` is called by `Trainer.fit` on a CPU; it is process-wide, glibc-only (elsewhere it does
nothing and says so by returning False), and `DIVE_KEEP_FREED_MEMORY=0` turns it off.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's largest allowed value: blocks up to 32 MiB come from the heap
TRIM_THRESHOLD = 1024 * 1024 * 1024  # free space at the heap's top kept up to 1 GiB

_state: dict[str, bool] = {}


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds once per process; True where they are raised (now or before)."""
    if "kept" in _state:
        return _state["kept"]
    _state["kept"] = os.environ.get("DIVE_KEEP_FREED_MEMORY", "1") != "0" and _mallopt()
    return _state["kept"]


def _mallopt() -> bool:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt  # glibc (and a few others); musl and macOS have none
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
