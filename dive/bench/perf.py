"""Computational performance (book chapter 13) on this machine: compilation and thread counts.

`dive bench compile`: a training step of a registered model, eager against `torch.compile` (the book's
"hybridize"): the first compiled step includes compilation, so the table shows the step-time gain and the number
of steps after which compiling has paid for itself.
`dive bench threads`: the same eager step with 1, 2, ... intra-op threads, and the time with and without waiting
for the result (on CPU the work is synchronous, so the two agree; on a GPU, launching returns before the work ends).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F

from dive.bench.harness import median
from dive.core import synchronize
from dive.models import MODELS

CPU = torch.device("cpu")


def _step_fn(name: str, batch: int, compile: bool, seed: int = 0) -> Callable[[], None]:
    torch.manual_seed(seed)
    entry = MODELS[name]
    model = entry.build()
    forward = torch.compile(model) if compile else model
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    X = torch.rand(batch, *entry.input_shape)
    y = torch.randint(0, 10, (batch,))

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(forward(X), y).backward()
        opt.step()

    return step


def _time(fn: Callable[[], None]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def compile_bench(models: Sequence[str] = ("mlp", "lenet"), batch: int = 256, steps: int = 30) -> list[dict]:
    """Per model: eager and compiled median step seconds, the first compiled step, and the break-even step count."""
    rows = []
    for name in models:
        eager = _step_fn(name, batch, compile=False)
        eager()
        eager_s = median([_time(eager) for _ in range(steps)])
        compiled = _step_fn(name, batch, compile=True)
        first = _time(compiled)
        compiled_s = median([_time(compiled) for _ in range(steps)])
        gain = eager_s - compiled_s
        even = (first - compiled_s) / gain if gain > 0 else float("inf")
        rows.append({"model": name, "eager_ms": eager_s * 1e3, "compiled_ms": compiled_s * 1e3,
                     "first_compiled_s": first, "break_even_steps": even})  # fmt: skip
    return rows


def threads_bench(
    name: str = "lenet", batch: int = 256, steps: int = 20, threads: Sequence[int] = (1, 2)
) -> list[dict]:
    """Median step time with each thread count; `sync_ms` waits for the device after each step as well."""
    old = torch.get_num_threads()
    rows = []
    try:
        for n in threads:
            torch.set_num_threads(n)
            step = _step_fn(name, batch, compile=False)
            step()
            plain = median([_time(step) for _ in range(steps)])
            synced = median([_time(lambda s=step: (s(), synchronize(CPU))) for _ in range(steps)])
            rows.append({"threads": n, "step_ms": plain * 1e3, "sync_ms": synced * 1e3})
    finally:
        torch.set_num_threads(old)
    return rows


def format_compile(rows: list[dict]) -> str:
    lines = [f"{'model':8} {'eager ms':>9} {'compiled ms':>12} {'speed-up':>9} {'first step s':>13} {'break-even':>11}"]
    for r in rows:
        speedup = r["eager_ms"] / r["compiled_ms"]
        lines.append(f"{r['model']:8} {r['eager_ms']:9.2f} {r['compiled_ms']:12.2f} {speedup:8.2f}x "
                     f"{r['first_compiled_s']:13.1f} {r['break_even_steps']:8.0f} steps")  # fmt: skip
    return "\n".join(lines)


def format_threads(rows: list[dict]) -> str:
    base = rows[0]["step_ms"]
    lines = [f"{'threads':>7} {'step ms':>8} {'with sync':>10} {'vs first':>9}"]
    lines += [f"{r['threads']:7} {r['step_ms']:8.2f} {r['sync_ms']:10.2f} {base / r['step_ms']:8.2f}x" for r in rows]
    return "\n".join(lines)
