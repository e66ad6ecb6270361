"""What this machine can compute in bf16 and fp16, and what `--precision` then really does (book §13.2's lesson:
the same code runs at very different speeds on different hardware, so measure and say which).

On a CPU, autocast hands matrix products, convolutions and recurrent layers to oneDNN. Whether oneDNN has low-precision
kernels depends on the CPU, not on torch:
- with AVX512-BF16 or AMX-BF16 (recent Xeons, Zen 4+) bf16 is native and faster than fp32;
- with plain AVX-512, oneDNN emulates bf16: it works, a few times slower than fp32;
- with AVX2 only (many laptops and cloud CPUs) oneDNN has no bf16 kernels at all: a bf16 matmul falls back to a
  reference loop hundreds of times slower than fp32, and `nn.LSTM` fails with "could not create a primitive
  descriptor for the LSTM forward propagation primitive".
oneDNN honours `ONEDNN_MAX_CPU_ISA=AVX2`, so a machine with AVX-512 can be made to behave like the AVX2 one (CI does).

`precision_plan(precision, device)` turns a request into what runs: on a CPU without oneDNN's kernels for the dtype
the whole run falls back to fp32 (one note says so); where only some layer types fail (the fp16 LSTM has no oneDNN
kernel on any CPU) those layers run in fp32 inside the autocast region (`fp32_layers`), the rest in low precision.
Probes are tiny forward + backward passes, run once per process and cached.
"""

from __future__ import annotations

import contextlib
import functools
import os
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

PRECISIONS: dict[str, torch.dtype | None] = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}
# the layer types whose oneDNN kernels differ by CPU and dtype; each is probed before a low-precision run
PROBED_LAYERS: tuple[type[nn.Module], ...] = (nn.LSTM, nn.GRU, nn.RNN)
_CPU_FLAGS = {"bf16": ("avx512_bf16", "amx_bf16"), "fp16": ("avx512_fp16", "amx_fp16")}
# values of ONEDNN_MAX_CPU_ISA that still let oneDNN use the hardware dtype (its ISA names, lowest first)
_NATIVE_ISAS = {
    "bf16": ("AVX512_CORE_BF16", "AVX512_CORE_FP16", "AVX10_1_512", "AVX512_CORE_AMX", "AVX10_", "ALL"),
    "fp16": ("AVX512_CORE_FP16", "AVX10_1_512", "AVX512_CORE_AMX", "AVX10_", "ALL"),
}


@dataclass(frozen=True)
class CpuSupport:
    """What this process's CPU does with one low-precision dtype (`name`: "bf16" or "fp16")."""

    name: str
    kernels: bool  # oneDNN has kernels for the dtype (AVX-512 or better, within ONEDNN_MAX_CPU_ISA)
    native: bool  # ... and the CPU computes it in hardware (AVX512-BF16 / AMX-BF16, AVX512-FP16 / AMX-FP16)
    failing: tuple[str, ...]  # layer types (of PROBED_LAYERS) that fail under autocast to the dtype

    @property
    def kind(self) -> str:
        """ "native", "emulated" (works, slower than fp32) or "unavailable" (dive runs fp32 instead)."""
        return "native" if self.native else "emulated" if self.kernels else "unavailable"

    @property
    def missing(self) -> str:
        """The CPU features whose absence makes the dtype slow or unavailable, for messages."""
        return " or ".join(f.upper().replace("_", "-") for f in _CPU_FLAGS[self.name])


@dataclass(frozen=True)
class PrecisionPlan:
    """What a `precision` request runs as on a device: `effective` dtype name, layers kept in fp32, and a note."""

    requested: str
    effective: str
    fp32_layers: tuple[str, ...] = ()  # class names of layers that run in fp32 inside the autocast region
    note: str | None = None  # one line for the user when the plan is not simply what was asked

    @property
    def dtype(self) -> torch.dtype | None:
        return PRECISIONS[self.effective]


def cpu_flags() -> set[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where there is none, e.g. macOS)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def _onednn_kernels(name: str) -> bool:
    """oneDNN's own answer (it reads the CPU and ONEDNN_MAX_CPU_ISA / DNNL_MAX_CPU_ISA)."""
    ask = getattr(torch.ops.mkldnn, f"_is_mkldnn_{name}_supported", None)
    try:
        return bool(ask()) if ask is not None else False
    except RuntimeError:
        return False


def _isa_capped(name: str) -> bool:
    """True when ONEDNN_MAX_CPU_ISA (or DNNL_MAX_CPU_ISA) keeps oneDNN below the ISA that computes `name` in
    hardware, as CI does to mimic an AVX2 CPU."""
    cap = (os.environ.get("ONEDNN_MAX_CPU_ISA") or os.environ.get("DNNL_MAX_CPU_ISA") or "").upper()
    return cap != "" and not cap.startswith(_NATIVE_ISAS[name])


def layer_runs(layer: type[nn.Module], dtype: torch.dtype) -> bool:
    """Whether a tiny `layer` trains (forward + backward) under CPU autocast to `dtype` here."""
    torch_state = torch.random.get_rng_state()
    try:
        m = layer(4, 4)
        with torch.autocast("cpu", dtype=dtype):
            y, _ = m(torch.randn(2, 1, 4))
        y.float().sum().backward()
        return True
    except RuntimeError:
        return False
    finally:
        torch.random.set_rng_state(torch_state)  # a probe must not move the user's random stream


@functools.cache
def cpu_support(name: str) -> CpuSupport:
    """Probe (once per process) what this CPU does with `name` ("bf16" or "fp16")."""
    dtype = PRECISIONS[name]
    assert dtype is not None, name
    kernels = _onednn_kernels(name)
    native = kernels and not _isa_capped(name) and bool(cpu_flags() & set(_CPU_FLAGS[name]))
    failing = tuple(L.__name__ for L in PROBED_LAYERS if not layer_runs(L, dtype))
    return CpuSupport(name, kernels, native, failing)


def matmul_slowdown(name: str, n: int = 512, reps: int = 3) -> float:
    """Median time of an (n x n) matmul in `name` over the same in fp32 on this CPU (> 1: slower than fp32).

    Small products hide the difference (ATen computes them itself); from about 512 on, oneDNN's kernels decide:
    measured here: 0.04-0.3x with AMX-BF16; 1x (n = 512) to 3x (1024) with AVX-512
    emulation; 15x (512) to 370x (1024) with AVX2 only."""
    a = torch.randn(n, n, generator=torch.Generator().manual_seed(0))
    return matmul_seconds(a.to(PRECISIONS[name]), a.to(PRECISIONS[name]), reps) / matmul_seconds(a, a, reps)


def matmul_seconds(a: torch.Tensor, b: torch.Tensor, reps: int) -> float:
    """Median seconds of `a @ b` over `reps` calls, after one warm-up call (on a CPU, so no sync is needed)."""
    a @ b
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def precision_plan(precision: str, device: torch.device | str = "cpu") -> PrecisionPlan:
    """What `precision` runs as on `device`; a ValueError for an unknown name (callers turn it into their error)."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    device = torch.device(device)
    if precision == "fp32":
        return PrecisionPlan(precision, precision)
    if device.type == "cuda" and precision == "bf16" and not torch.cuda.is_bf16_supported():
        note = f"--precision bf16 runs as fp32: {torch.cuda.get_device_name(device)} has no bf16 (needs compute 8.0+)"
        return PrecisionPlan(precision, "fp32", note=note)
    if device.type != "cpu":
        return PrecisionPlan(precision, precision)
    support = cpu_support(precision)
    if not support.kernels:
        note = (
            f"--precision {precision} runs as fp32: oneDNN has no {precision} kernels on this CPU (they need AVX-512; "
            f"{support.missing} make them fast), so {precision} matmuls would crawl and nn.LSTM would fail; "
            f"drop --precision {precision}"
        )
        return PrecisionPlan(precision, "fp32", note=note)
    notes = []
    if not support.native:
        notes.append(f"{precision} is emulated on this CPU (no {support.missing}): expect it slower than fp32")
    if support.failing:
        layers = ", ".join(f"nn.{n}" for n in support.failing)
        notes.append(f"{layers} has no {precision} kernel on this CPU: it runs in fp32, the rest in {precision}")
    return PrecisionPlan(precision, precision, support.failing, "; ".join(notes) or None)


_said: set[str] = set()


def announce(plan: PrecisionPlan) -> None:
    """Print the plan's note once per process, as one line on stderr."""
    if plan.note and plan.note not in _said:
        _said.add(plan.note)
        print(f"note: {plan.note}", file=sys.stderr)


def _to_fp32(x: Any) -> Any:
    if isinstance(x, torch.Tensor) and x.is_floating_point():
        return x.float()
    if isinstance(x, tuple):
        return tuple(_to_fp32(v) for v in x)
    return x


@contextlib.contextmanager
def fp32_layers(model: nn.Module, names: tuple[str, ...], device_type: str = "cpu") -> Iterator[int]:
    """Within the block, every submodule of `model` whose class is named in `names` runs in fp32 with autocast off
    (its floating inputs and state cast to fp32); yields how many were found. Restored on exit, even on an error."""
    wrapped = [m for m in model.modules() if type(m).__name__ in names and "forward" not in m.__dict__]
    for m in wrapped:
        inner = m.forward

        def forward(*args: Any, _inner: Any = inner, **kwargs: Any) -> Any:
            with torch.autocast(device_type=device_type, enabled=False):
                return _inner(*_to_fp32(args), **{k: _to_fp32(v) for k, v in kwargs.items()})

        m.forward = forward
    try:
        yield len(wrapped)
    finally:
        for m in wrapped:
            del m.forward
