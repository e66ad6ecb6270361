"""Why optimization in deep learning is hard, and what convexity buys (book §12.1-12.2), as figures and numbers.

`curves.png` (§12.1): x cos(pi x) with a local and the global minimum; x^3 with a saddle point at 0; the 2-D
saddle x1^2 - x2^2 (a minimum along x1, a maximum along x2); tanh, whose gradient at x = 4 is 0.0013 (vanishing
gradients). `convexity.png` (§12.2): 0.5 x^2, cos(pi x) and exp(0.5 x) with the chord from x = -1.5 to 1: a convex
function lies on or below every chord (Jensen's inequality), cos(pi x) does not. The minima, gradients and the
largest chord gap of each function are computed on a fine grid, printed, and kept in `history.jsonl`; nothing is
trained.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch
from torch import Tensor

from dive.plot import Panel, plot_function_panels
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import write_records


@dataclass(frozen=True)
class LandscapeConfig(TrainConfig):
    """Book §12.1-12.2: the figures' settings; nothing is trained."""

    points: int = 3001  # grid points per axis for finding minima and chord gaps


def local_minima(x: Tensor, y: Tensor) -> list[tuple[float, float]]:
    """Interior grid points lower than both neighbours: (x, f(x)) of each local minimum, left to right."""
    inner = (y[1:-1] < y[:-2]) & (y[1:-1] < y[2:])
    idx = inner.nonzero().flatten() + 1
    return [(float(x[i]), float(y[i])) for i in idx]


def chord_gap(f, a: float, b: float, n: int) -> float:
    """max over t in [0, 1] of f(t a + (1-t) b) - (t f(a) + (1-t) f(b)): <= 0 for a convex f (Jensen)."""
    t = torch.linspace(0, 1, n, dtype=torch.float64)
    a_, b_ = torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)
    return float((f(t * a_ + (1 - t) * b_) - (t * f(a_) + (1 - t) * f(b_))).max())


def tanh_grad(x: float) -> float:
    """d tanh / dx = 1 - tanh(x)^2, by autograd."""
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    torch.tanh(xt).backward()
    return float(xt.grad)


def _x_cos(x: Tensor) -> Tensor:
    return x * torch.cos(math.pi * x)


def run(cfg: LandscapeConfig, ctx: RunContext) -> RunResult:
    n = cfg.points
    x = torch.linspace(-1.0, 2.0, n, dtype=torch.float64)
    minima = local_minima(x, _x_cos(x))
    glob = min(minima, key=lambda p: p[1])
    xs = torch.linspace(-2.0, 2.0, n, dtype=torch.float64)
    g, s = torch.meshgrid(torch.linspace(-1, 1, 101), torch.linspace(-1, 1, 101), indexing="ij")
    xt = torch.linspace(-4.0, 4.0, n, dtype=torch.float64)
    grad4 = tanh_grad(4.0)
    landscape = [
        Panel("local vs global minimum: x cos(pi x)", {"f": (x, _x_cos(x))},
              {("global" if p == glob else "local") + f" min x={p[0]:.2f}": p for p in minima}),
        Panel("saddle point: x^3", {"f": (xs, xs**3)}, {"saddle x=0": (0.0, 0.0)}),
        Panel("saddle point: x1^2 - x2^2", grid=(g, s, g**2 - s**2), points={"saddle (0, 0)": (0.0, 0.0)}),
        Panel("vanishing gradient: tanh", {"f": (xt, torch.tanh(xt))},
              {f"x=4, gradient {grad4:.4f}": (4.0, math.tanh(4.0))}),
    ]  # fmt: skip
    plot_function_panels(landscape, ctx.out_dir / "curves.png", cols=2)
    fns = {"0.5 x^2": lambda v: 0.5 * v**2, "cos(pi x)": lambda v: torch.cos(math.pi * v),
           "exp(0.5 x)": lambda v: torch.exp(0.5 * v)}  # fmt: skip
    a, b = -1.5, 1.0
    gaps = {name: chord_gap(f, a, b, n) for name, f in fns.items()}
    convexity = [
        Panel(f"{name}: {'convex' if gaps[name] <= 1e-9 else 'not convex'}", {name: (xs, f(xs))},
              chords=[(a, float(f(torch.tensor(a))), b, float(f(torch.tensor(b))))])
        for name, f in fns.items()
    ]  # fmt: skip
    plot_function_panels(convexity, ctx.out_dir / "convexity.png")
    lines = [
        "x cos(pi x) on [-1, 2]: " + ", ".join(f"local minimum at x = {p[0]:.3f} (f = {p[1]:.3f})" for p in minima),
        f"global minimum at x = {glob[0]:.3f}",
        f"tanh'(4) = {grad4:.6f}: a gradient step there barely moves x (vanishing gradient)",
        *(f"largest gap of {k} above its chord [-1.5, 1]: {v:+.4f}" for k, v in gaps.items()),
    ]
    metrics = {"global_min_x": glob[0], "tanh_grad_at_4": grad4, **{f"chord_gap {k}": v for k, v in gaps.items()}}
    records = [{"kind": "minimum", "f": "x cos(pi x)", "x": p[0], "value": p[1]} for p in minima]
    records += [{"kind": "chord_gap", "f": k, "a": a, "b": b, "gap": v} for k, v in gaps.items()]
    write_records(ctx.out_dir / "history.jsonl", records)
    return RunResult.of(metrics, lines)


BOOK = LandscapeConfig()
PROFILES = {
    "book": Profile(BOOK, band=(1.0, 1.2), minutes=0.1, source="book §12.1: global minimum of x cos(pi x) near 1.1"),
    "quick": Profile(BOOK, band=(1.0, 1.2), minutes=0.1, source="same as book"),
    "tiny": Profile(replace(BOOK, points=301)),
}
recipe("optim-landscapes", section="12.1-12.2 Optimization and Deep Learning; Convexity", dataset="synthetic",
       metric="global_min_x", run=run, checkpoints=False,
       **PROFILES,
)  # fmt: skip
