"""Device choice: `auto` picks cuda, then mps, then cpu; a named device that is absent is a clear error."""

from __future__ import annotations

import torch

from dive.core.errors import DiveError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def choose_device(name: str = "auto") -> torch.device:
    """Return the torch device for `name` ("auto", "cpu", "cuda", "cuda:1", "mps")."""
    kind = name.split(":")[0]
    if kind not in DEVICE_CHOICES:
        raise DiveError(f"unknown device {name!r}; choose one of {', '.join(DEVICE_CHOICES)} (or cuda:N)")
    has_mps = hasattr(torch.backends, "mps") and torch.backends.mps.is_available()
    if kind == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps" if has_mps else "cpu")
    if kind == "cuda" and not torch.cuda.is_available():
        raise DiveError(f"device {name!r} asked for, but this torch sees no CUDA GPU; use --device cpu")
    if kind == "mps" and not has_mps:
        raise DiveError("device 'mps' asked for, but MPS is not available here; use --device cpu")
    return torch.device(name)


def synchronize(device: torch.device) -> None:
    """Wait for queued kernels, so that a wall-clock reading means what it says (the book's §13.2)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def check_same_device(**tensors: torch.Tensor) -> torch.device:
    """Return the one device all named tensors live on, or raise a `DiveError` naming each tensor's device.

    PyTorch refuses to combine tensors on different devices ("Expected all tensors to be on the same device");
    this says which tensor is where, e.g. check_same_device(X=X, weight=net.weight).
    """
    devices = {name: t.device for name, t in tensors.items()}
    if len(set(devices.values())) > 1:
        where = ", ".join(f"{name} on {d}" for name, d in devices.items())
        raise DiveError(f"tensors are on different devices ({where}); move them with .to(device) first")
    return next(iter(devices.values()))
