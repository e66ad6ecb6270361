"""Checkpoints: everything needed to continue a run exactly, in one safetensors file, written atomically.

One file holds the tensors (model weights `model.*`, optimizer state `optim.*`, RNG states `rng.*`) and, in its
string metadata, a JSON document with the rest (fit position and running sums, optimizer hyperparameters, scheduler
state, Python/NumPy RNG state, and whatever the caller adds, e.g. the recipe and its config).

Loading never unpickles anything: safetensors holds plain tensors and JSON, so a checkpoint from elsewhere cannot
run code. The file is written to a temporary name, fsync'ed, then renamed over the old one: a crash at any moment
leaves either the previous checkpoint or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file
from torch import Tensor, nn

from dive.core import DiveError, get_rng_state, set_rng_state
from dive.train.trainer import FitState

FORMAT = 1


class CheckpointError(DiveError):
    """A checkpoint is missing, unreadable, or does not fit the model it is loaded into."""


def _optimizer_parts(optimizer: torch.optim.Optimizer) -> tuple[dict[str, Tensor], dict[str, Any]]:
    sd = optimizer.state_dict()
    tensors, scalars = {}, {}
    for pid, pstate in sd["state"].items():
        for key, value in pstate.items():
            if isinstance(value, Tensor):
                tensors[f"optim.state.{pid}.{key}"] = value
            else:
                scalars[f"{pid}.{key}"] = value
    return tensors, {"param_groups": sd["param_groups"], "scalars": scalars}


def _rng_parts() -> tuple[dict[str, Tensor], dict[str, Any]]:
    rng = get_rng_state()
    tensors = {"rng.torch": rng["torch"]}
    for i, s in enumerate(rng["cuda"]):
        tensors[f"rng.cuda.{i}"] = s
    meta: dict[str, Any] = {"python": [rng["python"][0], list(rng["python"][1]), rng["python"][2]], "numpy": None}
    if rng["numpy"] is not None:
        name, keys, pos, has_gauss, cached = rng["numpy"]
        tensors["rng.numpy"] = torch.as_tensor(keys.astype("int64"))
        meta["numpy"] = [name, int(pos), int(has_gauss), float(cached)]
    return tensors, meta


def save_checkpoint(
    path: str | os.PathLike,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    scheduler: Any = None,
    state: FitState | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write model, optimizer, scheduler, RNG and fit state to `path` atomically."""
    path = Path(path)
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    meta: dict[str, Any] = {"format": FORMAT, "extra": extra or {}}
    if optimizer is not None:
        opt_tensors, meta["optimizer"] = _optimizer_parts(optimizer)
        tensors.update(opt_tensors)
    if scheduler is not None:
        meta["scheduler"] = scheduler.state_dict()
    rng_tensors, meta["rng"] = _rng_parts()
    tensors.update(rng_tensors)
    if state is not None:
        meta["fit_state"] = state.to_dict()
    # clone: safetensors refuses tensors that share storage (tied weights, views)
    tensors = {k: v.detach().to("cpu", copy=True).contiguous() for k, v in tensors.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata={"dive": json.dumps(meta)})
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _read(path: str | os.PathLike, tensors: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = json.loads((f.metadata() or {}).get("dive", "{}"))
            body = {k: f.get_tensor(k) if tensors else list(f.get_slice(k).get_shape()) for k in f.keys()}
    except Exception as e:  # safetensors raises its own error type
        raise CheckpointError(f"cannot read checkpoint {path}: {e}") from None
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a dive checkpoint (format {meta.get('format')!r})")
    return body, meta


def read_checkpoint_header(path: str | os.PathLike) -> tuple[dict[str, list[int]], dict[str, Any]]:
    """(tensor shapes by name, metadata) of a checkpoint file, reading no tensor: cheap on a large checkpoint,
    and what a loader checks a config against before it allocates a model."""
    return _read(path, tensors=False)


def read_checkpoint(path: str | os.PathLike) -> tuple[dict[str, Tensor], dict[str, Any]]:
    """(tensors, metadata) of a checkpoint file, without touching any model."""
    return _read(path, tensors=True)


def _like(saved: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
    """JSON made tuples (Adam's betas) into lists: give them back the live optimizer's types."""
    return {k: tuple(v) if isinstance(v, list) and isinstance(live.get(k), tuple) else v for k, v in saved.items()}


def load_weights(path: str | os.PathLike, model: nn.Module) -> dict[str, Any]:
    """Load only the model weights of a checkpoint (strict); returns its metadata."""
    tensors, meta = read_checkpoint(path)
    weights = {k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")}
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as e:
        raise CheckpointError(f"checkpoint {path} does not fit this model: {e}") from None
    return meta


def load_checkpoint(
    path: str | os.PathLike,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    scheduler: Any = None,
    restore_rng: bool = True,
) -> tuple[FitState, dict[str, Any]]:
    """Restore everything `save_checkpoint` wrote; returns (fit state, extra metadata)."""
    tensors, meta = read_checkpoint(path)
    load_weights(path, model)
    if optimizer is not None and "optimizer" in meta:
        state: dict[Any, dict[str, Any]] = {}
        for key, value in tensors.items():
            if key.startswith("optim.state."):
                pid, name = key[len("optim.state.") :].split(".", 1)
                state.setdefault(int(pid), {})[name] = value
        for key, value in meta["optimizer"]["scalars"].items():
            pid, name = key.split(".", 1)
            state.setdefault(int(pid), {})[name] = value
        groups = [_like(saved, live) for saved, live in zip(meta["optimizer"]["param_groups"], optimizer.param_groups)]
        optimizer.load_state_dict({"state": state, "param_groups": groups})
    if scheduler is not None and "scheduler" in meta:
        scheduler.load_state_dict(meta["scheduler"])
    if restore_rng:
        try:
            rng = meta["rng"]
            py = rng["python"]
            numpy_state = None
            if rng.get("numpy") is not None:
                name, pos, has_gauss, cached = rng["numpy"]
                numpy_state = (name, tensors["rng.numpy"].numpy().astype("uint32"), pos, has_gauss, cached)
            cuda = [tensors[k] for k in sorted(k for k in tensors if k.startswith("rng.cuda."))]
            state = {"python": (py[0], tuple(py[1]), py[2]), "numpy": numpy_state, "torch": tensors["rng.torch"],
                     "cuda": cuda}  # fmt: skip
        except (KeyError, TypeError, ValueError, IndexError):
            why = "its 'rng' entry is missing or damaged"
            raise CheckpointError(f"{path} holds no usable random-number state ({why}): it cannot be resumed "
                                  "exactly; drop --resume to start afresh") from None  # fmt: skip
        set_rng_state(state)
    fit_state = FitState.from_dict(meta["fit_state"]) if "fit_state" in meta else FitState()
    return fit_state, meta.get("extra", {})
