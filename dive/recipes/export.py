"""`dive export RUN --format FORMAT`: a trained model as a file that runs without dive (book §6.6 saves weights;
deployment is what comes after).

- `safetensors`: the weights by their state-dict names, with the recipe, config and metadata as JSON beside them
  (no pickle); any trained model.
- `onnx` (torch.onnx's exporter, opset of this torch; onnxruntime runs it) and `pt2` (`torch.export`, the format
  that replaces TorchScript) and `torchscript` (`torch.jit.trace`, deprecated by PyTorch but still read by
  libtorch): the network traced on the recipe's example input, for the models whose `ModelPart.export_input`
  says what that input is. A model without one is refused in one line that says why.

Each export is checked before it is written: the exported program's outputs on the example equal the eager
model's within 1e-5 (relative to the output's scale where that is above 1).
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from dive.core import DiveError, config_to_dict
from dive.recipes.base import RECIPES
from dive.recipes.parts import Trained

FORMATS = ("safetensors", "onnx", "pt2", "torchscript")
SUFFIX = {"safetensors": ".safetensors", "onnx": ".onnx", "pt2": ".pt2", "torchscript": ".pt"}
TOLERANCE = 1e-5


def flat(outputs: Any) -> list[Tensor]:
    """A model's outputs (a tensor, or nested tuples/lists of them, or None states) as a flat list of tensors."""
    if isinstance(outputs, Tensor):
        return [outputs]
    if isinstance(outputs, (tuple, list)):
        return [t for o in outputs for t in flat(o)]
    return []


def max_difference(a: list[Tensor], b: list[Tensor]) -> float:
    """The largest difference between matching outputs, relative to the output's scale where that exceeds 1 (an
    untrained FCN's logits reach 1e5, where float32 rounding alone differs by 1e-2)."""
    if len(a) != len(b) or any(x.shape != y.shape for x, y in zip(a, b)):
        return float("inf")
    diffs = [float((x.float() - y.float()).abs().max() / max(1.0, float(x.float().abs().max())))
             for x, y in zip(a, b) if x.numel() and x.is_floating_point()]  # fmt: skip
    exact = all(torch.equal(x, y.to(x.dtype)) for x, y in zip(a, b) if not x.is_floating_point())
    return max(diffs, default=0.0) if exact else float("inf")


def export_inputs(trained: Trained) -> tuple[Tensor, ...]:
    """The recipe's example input, or one line saying why this model is not traced."""
    part = RECIPES[trained.recipe].model
    args = part.export_input(trained) if part.export_input is not None else None
    if args is None:
        why = part.export_note or "it declares no example input to trace the network with"
        raise DiveError(f"recipe {trained.recipe!r} cannot be exported as a traced program: {why}; "
                        "--format safetensors exports its weights")  # fmt: skip
    # two rows: a batch of 1 is specialised to the constant 1 by torch.export, so the file would take only one
    return tuple(torch.cat([a, a]) for a in args)


def export(trained: Trained, fmt: str, out: str | os.PathLike | None = None) -> tuple[Path, float]:
    """Write `trained`'s model in `fmt`; returns (the file, the largest difference from the eager outputs)."""
    if fmt not in FORMATS:
        raise DiveError(f"--format is one of {', '.join(FORMATS)}, got {fmt!r}")
    path = Path(out) if out else trained.path.parent / f"model{SUFFIX[fmt]}"
    path.parent.mkdir(parents=True, exist_ok=True)
    model = trained.model.eval()
    if fmt == "safetensors":
        return _safetensors(trained, path), 0.0
    args = export_inputs(trained)
    with torch.no_grad():
        expected = flat(model(*args))
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")  # the suffix kept: torch.export reads only *.pt2
    try:
        try:
            got = {"onnx": _onnx, "pt2": _pt2, "torchscript": _torchscript}[fmt](model, args, tmp)
        except Exception as e:  # an exporter's own limits (a None output, an unsupported op): one line, not its trace
            first = (str(e).strip().splitlines() or [""])[0][:200]
            others = ", ".join(f for f in FORMATS if f not in (fmt, "safetensors"))
            raise DiveError(f"the {fmt} exporter cannot trace the {trained.recipe} model ({type(e).__name__}: "
                            f"{first}); try --format {others}") from None  # fmt: skip
        diff = max_difference(expected, got)
        if diff > TOLERANCE:
            raise DiveError(f"the {fmt} export of {trained.recipe} differs from the eager model by {diff:.2e} "
                            f"(> {TOLERANCE:g}); nothing written")  # fmt: skip
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path, diff


def _safetensors(trained: Trained, path: Path) -> Path:
    from safetensors.torch import save_file

    weights = {k: v.detach().contiguous().clone() for k, v in trained.model.state_dict().items()}
    meta = {"recipe": trained.recipe, "config": json.dumps(config_to_dict(trained.config)),
            "meta": json.dumps(trained.meta), "dive": trained.version}  # fmt: skip
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        save_file(weights, tmp, metadata=meta)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _onnx(model: nn.Module, args: tuple[Tensor, ...], path: Path) -> list[Tensor]:
    import contextlib
    import io

    import onnxruntime

    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():  # the exporter's progress lines
        warnings.simplefilter("ignore")
        try:  # any batch size; a model that fixes its batch (few do) is exported for the example's
            program = torch.onnx.export(model, args, dynamo=True, dynamic_shapes=batch_dims(args))
        except Exception:
            program = torch.onnx.export(model, args, dynamo=True)
    program.save(str(path))
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feed = {i.name: a.numpy() for i, a in zip(session.get_inputs(), args)}
    return [torch.from_numpy(o) for o in session.run(None, feed)]


def batch_dims(args: tuple[Tensor, ...]) -> tuple[dict[int, Any], ...]:
    """Dimension 0 of every input is the batch: one shared symbolic size."""
    batch = torch.export.Dim("batch", max=1 << 20)
    return tuple({0: batch} for _ in args)


def _pt2(model: nn.Module, args: tuple[Tensor, ...], path: Path) -> list[Tensor]:
    with warnings.catch_warnings():  # nn.RNN's flat-weight bookkeeping warns during tracing; the result is checked
        warnings.simplefilter("ignore")
        try:
            program = torch.export.export(model, args, dynamic_shapes=batch_dims(args))
        except Exception:
            program = torch.export.export(model, args)
    torch.export.save(program, str(path))
    with torch.no_grad():
        return flat(torch.export.load(str(path)).module()(*args))


def _torchscript(model: nn.Module, args: tuple[Tensor, ...], path: Path) -> list[Tensor]:
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # torch.jit's deprecation notice, and its trace's Python-bool notes
        traced = torch.jit.trace(model, args, strict=False)
        traced.save(str(path))
        return flat(torch.jit.load(str(path))(*args))
