"""Timing on noisy machines: run the contenders alternately in one process and compare medians, never single runs.

Alternating (A, B, A, B, ...) spreads slow periods of a shared machine over both contenders; the median ignores the
odd outlier. `matmul_peak_gflops` measures what this machine's fp32 matrix product reaches, the ceiling against
which a training step's FLOP rate is judged.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence

import torch
from torch import nn


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


class RoundsMixin:
    """For a result dataclass with `rounds: {contender: [measurement per round]}`, "book" among them."""

    rounds: dict[str, list[float]]

    def medians(self) -> dict[str, float]:
        return {k: median(v) for k, v in self.rounds.items()}

    def ratios(self) -> dict[str, float]:
        m = self.medians()
        return {k: v / m["book"] for k, v in m.items()}

    def to_dict(self) -> dict:
        return {**self.__dict__, "medians": self.medians(), "ratios": self.ratios()}


def alternate(
    cases: Mapping[str, Callable[[], float]], rounds: int, on_result: Callable[[str, int, float], None] | None = None
) -> dict[str, list[float]]:
    """Call each case once per round, in turn; each call returns its own measurement (e.g. examples/s)."""
    out: dict[str, list[float]] = {name: [] for name in cases}
    for r in range(rounds):
        for name, fn in cases.items():
            value = fn()
            out[name].append(value)
            if on_result is not None:
                on_result(name, r, value)
    return out


def matmul_peak_gflops(n: int = 2048, reps: int = 10) -> float:
    """Median GFLOP/s of an (n x n) @ (n x n) fp32 product: 2 n^3 floating-point operations each."""
    from dive.core.precision import matmul_seconds

    return 2 * n**3 / matmul_seconds(torch.randn(n, n), torch.randn(n, n), reps) / 1e9


def train_flops(model: nn.Module, X: torch.Tensor) -> int:
    """FLOPs of one training step (forward + backward) on the batch X, counted by `torch.utils.flop_counter`.

    Counts matrix products and convolutions (the work that can approach the matmul peak); elementwise ops and
    pooling are left out, as is usual for model FLOP counts. A sequence model's (outputs, state) is handled.
    """
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        out = model(X)
        (out[0] if isinstance(out, tuple) else out).sum().backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops()


def train_flops_per_example(model: nn.Module, input_shape: tuple[int, ...], batch: int = 8) -> float:
    """`train_flops` per example, on a random float batch of `input_shape` examples."""
    return train_flops(model, torch.rand(batch, *input_shape)) / batch


def precision_line(name: str = "bf16") -> str:
    """One line saying how this CPU computes `name` ("bf16" or "fp16"): native, emulated (slower than fp32) or
    unavailable (dive's variants of that name then train in fp32), with a measured 512x512 matmul time ratio."""
    from dive.core.precision import cpu_support, matmul_slowdown

    s = cpu_support(name)
    kind = {
        "native": f"native ({s.missing.replace(' or ', '/')})",
        "emulated": f"emulated by oneDNN (no {s.missing})",
        "unavailable": f"unavailable to oneDNN (no AVX-512): dive's +{name} variants train in fp32",
    }[s.kind]
    failing = s.failing if s.kernels else ()  # without kernels the whole run is fp32 anyway
    layers = f"; in fp32 inside autocast: {', '.join(f'nn.{n}' for n in failing)}" if failing else ""
    return f"{name} on this CPU: {kind}; a 512x512 {name} matmul takes {matmul_slowdown(name):.2f}x fp32's time{layers}"


def check_variants(variants: Sequence[str], known: Mapping[str, object]) -> list[str]:
    """The requested contenders, each one of `known`; one line naming the valid ones otherwise."""
    from dive.core import ConfigError

    unknown = [v for v in variants if v not in known]
    if unknown:
        raise ConfigError(f"unknown bench variant(s) {unknown}; choose from {', '.join(known)}")
    return list(variants)


def rounds_table(
    r: RoundsMixin, head: str, unit: str, value_format: str, label: Callable[[str], str] = str
) -> list[str]:
    """The table every `dive bench` prints: a row per contender, its median, its ratio to the book's pipeline and
    every round's measurement. `head` names the first column, `unit` the measurement, `value_format` e.g. ",.0f"."""
    med, ratio = r.medians(), r.ratios()
    width = max(len(f"median {unit}"), 9)
    lines = [f"{head:14} {'median ' + unit:>{width}} {'vs book':>8}   per round ({unit})"]
    for name, values in r.rounds.items():
        per = " ".join(format(v, value_format) for v in values)
        lines.append(f"{label(name):14} {format(med[name], value_format):>{width}} {ratio[name]:7.2f}x   {per}")
    return lines


def ran_as_label(name: str, requested: str, effective: str) -> str:
    """A contender's name, marked when it did not run in the precision its name asks for (e.g. "dive+bf16=fp32")."""
    return name if requested == effective else f"{name}={effective}"
