"""Layer-by-layer summary of a model (book §6.1-6.2): each layer's output shape and parameter count.

The book inspects shapes by pushing a tensor through `net` layer by layer; this does the same for any model with
forward hooks on its leaf modules, so blocks with branches (Inception, Residual, DenseBlock) are covered too.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn


@dataclass(frozen=True)
class LayerRow:
    name: str  # dotted path in the model, e.g. "net.3.p2.0"
    kind: str  # class name, e.g. "Conv2d"
    output_shape: tuple[int, ...]
    params: int  # parameters owned directly by this module


def parse_shape(text: str) -> tuple[int, ...]:
    """'1x1x28x28' -> (1, 1, 28, 28); a clear error for anything else."""
    try:
        shape = tuple(int(s) for s in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"input shape {text!r} should look like 1x1x28x28") from None
    if not shape or any(s < 1 for s in shape):
        raise ValueError(f"input shape {text!r} should be positive integers joined by 'x'")
    return shape


@torch.no_grad()
def model_summary(model: nn.Module, input_shape: tuple[int, ...]) -> tuple[list[LayerRow], Tensor]:
    """Run one forward pass on zeros of `input_shape` (eval mode); return a row per leaf layer and the output."""
    rows: list[LayerRow] = []
    hooks = []
    for name, module in model.named_modules():
        if name and not list(module.children()):

            def hook(mod, args, out, name=name):
                shape = tuple(out.shape) if isinstance(out, Tensor) else ()
                params = sum(p.numel() for p in mod.parameters(recurse=False))
                rows.append(LayerRow(name, type(mod).__name__, shape, params))

            hooks.append(module.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        param = next(model.parameters(), None)
        X = torch.zeros(input_shape, device=param.device if param is not None else None)
        out = model(X)
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return rows, out


def format_model_summary(model: nn.Module, rows: list[LayerRow], input_shape: tuple[int, ...]) -> str:
    """The table printed by `dive summary`."""
    width = max([len(r.name) + len(r.kind) + 3 for r in rows] + [20])
    lines = [f"{'layer':{width}} {'output shape':>22} {'params':>12}", f"{'input':{width}} {str(input_shape):>22}"]
    for r in rows:
        lines.append(f"{r.name + ' (' + r.kind + ')':{width}} {str(r.output_shape):>22} {r.params:>12,}")
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    lines.append(f"total parameters: {total:,} ({trainable:,} trainable)")
    return "\n".join(lines)
