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


def load_pretrained(path: str | os.PathLike, model: nn.Module, skip: tuple[str, ...] = (), what: str = "model") -> int:
    """Load a pretrained state dict (e.g. torchvision's ResNet-18 ImageNet weights) into `model`, all or nothing.

    A .safetensors file is read as such; a torch .pth file only through `torch.load(weights_only=True)`, which
    refuses any pickle that would build objects other than tensors (so it cannot run code). Keys starting with a
    prefix in `skip` (the replaced output layer, "fc.") are left out; every other key and shape must match `model`
    exactly, else one DiveError naming the first mismatches and nothing is loaded. Returns the tensors loaded."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise DiveError(f"no weights file at {path}")
    if path.suffix == ".safetensors":
        state = load_file(path)
    else:
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:  # noqa: BLE001 - an unsafe pickle, or a file that holds no state dict
            raise DiveError(f"{path} is not a plain state dict of tensors ({type(e).__name__}); not loaded") from None
    if not isinstance(state, dict):
        raise DiveError(f"{path} holds a {type(state).__name__}, not a state dict")
    state = {k: v for k, v in state.items() if not k.startswith(skip)}
    own = model.state_dict()
    missing, extra = sorted(set(own) - set(state)), sorted(set(state) - set(own))
    wrong = [k for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or extra or wrong:
        detail = (
            (missing and f"missing {missing[:3]}") or (extra and f"unexpected {extra[:3]}") or f"shape of {wrong[:3]}"
        )
        raise DiveError(f"{path} does not fit the {what} ({detail}); not loaded")
    model.load_state_dict(state)
    return len(state)
