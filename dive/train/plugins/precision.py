"""Mixed precision (book §13.2's hardware lesson; Micikevicius et al., 2018): autocast for forward and loss, and
for fp16 a gradient scaler.

fp16 has 5 exponent bits: gradients below ~6e-8 round to zero, silently. The scaler multiplies the loss by a large
factor S before backward (so small gradients stay representable), divides the gradients by S before clipping and
stepping, and when a gradient is inf or NaN (S too large) skips that optimizer step and halves S; after 2,000 clean
steps it doubles S. bf16 has fp32's exponent range and needs no scaler. The scaler's state is in the checkpoint, so
a resumed run scales exactly as the uninterrupted one.

What this machine can do decides what runs (`dive.core.precision`); fp16 on a CPU that only emulates it is refused
in one line (it would be slower than fp32 and teach nothing), where bf16 falls back to fp32 with a note.
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch
from torch import Tensor, nn

from dive.core import ConfigError
from dive.core.precision import PRECISIONS, cpu_support, fp32_layers, precision_plan
from dive.train.plugins import Plugin


class PrecisionPlugin(Plugin):
    """`precision` ("fp32", "bf16", "fp16") on `device` for `model`: `autocast()`, `backward(loss, scale)`,
    `unscale(optimizer)` before clipping, `step(optimizer)`. `plan` says what runs; `scaler` is the fp16 scaler."""

    name = "precision"

    def __init__(self, precision: str, device: torch.device, model: nn.Module) -> None:
        if precision not in PRECISIONS:
            raise ConfigError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
        if precision == "fp16" and device.type == "cpu" and cpu_support("fp16").kind == "emulated":
            raise ConfigError(
                "--precision fp16 is emulated on this CPU (no AVX512-FP16 or AMX-FP16): slower than fp32; "
                "use --precision bf16 or fp32"
            )
        self.model, self.device = model, device
        self.plan = precision_plan(precision, device)
        self.dtype = PRECISIONS[self.plan.effective]
        self.scaler = torch.amp.GradScaler(device.type) if self.plan.effective == "fp16" else None
        self.skipped = 0  # optimizer steps the scaler skipped (inf or NaN gradients)

    def fit_context(self) -> contextlib.AbstractContextManager:
        """Layers this machine cannot run in the autocast dtype run in fp32 (see `dive.core.precision`)."""
        return fp32_layers(self.model, self.plan.fp32_layers, self.device.type)

    def autocast(self) -> contextlib.AbstractContextManager:
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.dtype)

    def backward(self, loss: Tensor, scale: float = 1.0) -> None:
        """Backpropagate `loss` x `scale` (a micro-batch's share under gradient accumulation), scaled for fp16."""
        if scale != 1.0:
            loss = loss * scale
        (self.scaler.scale(loss) if self.scaler is not None else loss).backward()

    def unscale(self, optimizer: torch.optim.Optimizer) -> None:
        """The true gradients in `.grad`, before anything reads them (clipping)."""
        if self.scaler is not None:
            self.scaler.unscale_(optimizer)

    def step(self, optimizer: torch.optim.Optimizer) -> None:
        if self.scaler is None:
            optimizer.step()
            return
        before = self.scaler.get_scale()
        self.scaler.step(optimizer)  # skipped when a gradient is inf or NaN
        self.scaler.update()
        self.skipped += self.scaler.get_scale() < before

    def state_dict(self) -> dict[str, Any]:
        return {"scaler": self.scaler.state_dict(), "skipped": self.skipped} if self.scaler is not None else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if self.scaler is not None and state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
            self.skipped = int(state.get("skipped", 0))
