"""Saving and loading tensors and model parameters (book §6.6), in safetensors only.

The book uses `torch.save`/`torch.load`, which pickle: loading a pickle can run arbitrary code from the file.
safetensors stores raw tensor bytes and a JSON header, so loading can never execute anything. dive refuses to load
pickles (`torch.save` files, zip or legacy) with a message saying so, rather than falling back to them.
"""

from __future__ import annotations

import os
from pathlib import Path

from safetensors.torch import load_file, save_file
from torch import Tensor, nn

from dive.core import DiveError

_PICKLE_MAGIC = (b"PK\x03\x04", b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")  # torch.save zip, pickle


def _check_not_pickle(path: Path) -> None:
    if not path.exists():
        raise DiveError(f"{path}: no such file")
    with open(path, "rb") as f:
        head = f.read(4)
    if any(head.startswith(m) for m in _PICKLE_MAGIC):
        raise DiveError(
            f"{path} looks like a pickle (torch.save) file; dive loads only safetensors, because unpickling can run "
            "arbitrary code. If you trust the file: convert it once with torch.load(..., weights_only=True) and "
            "dive.nn.save_tensors."
        )


def save_tensors(path: str | os.PathLike, tensors: dict[str, Tensor]) -> None:
    """Save a dict of named tensors (book §6.6.1: a tensor, a list, or a dict of them)."""
    save_file({k: t.detach().contiguous() for k, t in tensors.items()}, str(path))


def load_tensors(path: str | os.PathLike, device: str = "cpu") -> dict[str, Tensor]:
    """Load a dict of tensors saved by `save_tensors`; refuses pickle files."""
    path = Path(path)
    _check_not_pickle(path)
    try:
        return load_file(str(path), device=device)
    except Exception as e:  # noqa: BLE001 - safetensors raises its own error types
        raise DiveError(f"{path}: not a readable safetensors file ({e})") from None


def save_params(model: nn.Module, path: str | os.PathLike) -> None:
    """Save a model's `state_dict()` (parameters and buffers), book §6.6.2. Tied weights are stored once each name."""
    save_tensors(path, {k: v.clone() for k, v in model.state_dict().items()})


def load_params(model: nn.Module, path: str | os.PathLike) -> nn.Module:
    """Load parameters saved by `save_params` into a model of the same architecture; names must match exactly."""
    state = load_tensors(path)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise DiveError(f"{path} does not fit {type(model).__name__}: missing {missing}, unexpected {unexpected}")
    return model
