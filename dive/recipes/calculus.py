"""Book chapter 2, part 2: `calculus` (§2.4), `autograd` (§2.5), `probability` (§2.6).

- calculus: f(x) = 3x^2 - 4x, whose derivative at x = 1 is 2; the difference quotient (f(1 + h) - f(1)) / h for
  h = 0.1, 0.01, ... approaches it (the book prints 2.3, 2.03, 2.003, ...); `tangent.png` is the book's figure of f
  and its tangent line 2x - 3 at x = 1. Metric: how far the smallest h's quotient is from 2.
- autograd: the book's gradients (of 2 x^T x: 4x; of sum(x): ones; of x * x summed: 2x; with `detach`; through
  Python control flow: f(a) = c a, so the gradient is f(a) / a), each compared with the analytic one; `sin.png`
  draws sin(x) and its autograd derivative, which lies on cos(x). Metric: the largest deviation.
- probability: tosses of a fair die (a multinomial draw); the estimated probabilities approach 1/6; `dice.png` is
  the book's figure of the running estimates. Metric: the largest deviation from 1/6 after all the tosses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from dive.plot import Panel, plot_function_panels, plot_series
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import write_records


@dataclass(frozen=True)
class ChapterTwoConfig(TrainConfig):
    """Book §2.4-2.6 (calculus, autograd, probability): the demonstrations' few settings; nothing is trained."""

    tosses: int = 10_000  # probability: tosses in all (the book's figure: 500 groups of 10 = 5,000)
    groups: int = 500  # probability: the running estimate after each group (the book's figure: 500 groups of 10)


def f(x):
    return 3 * x**2 - 4 * x


def run_calculus(cfg: ChapterTwoConfig, ctx: RunContext) -> RunResult:
    quotient, records = 0.0, []
    for k in range(1, 6):
        h = 10.0**-k
        quotient = (f(1 + h) - f(1)) / h
        print(f"h={h:.5f}, numerical limit={quotient:.5f}")
        records.append({"kind": "step", "h": h, "quotient": quotient})
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    write_records(ctx.out_dir / "history.jsonl", records)
    x = torch.arange(0, 3, 0.1)
    plot_function_panels([Panel("f(x) = 3x^2 - 4x and its tangent at x = 1",
                                curves={"f(x)": (x, f(x)), "tangent 2x - 3": (x, 2 * x - 3)},
                                points={"(1, -1)": (1.0, -1.0)})], ctx.out_dir / "tangent.png", cols=1)  # fmt: skip
    error = abs(quotient - 2.0)
    return RunResult({"limit_error": error}, f"at h = 1e-5 the quotient is {quotient:.5f}: {error:.1e} from f'(1) = 2")


def control_flow(a):
    """The book's §2.5.4 function: doubles b until its norm passes 1000, then keeps it or multiplies by 100."""
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    return b if b.sum() > 0 else 100 * b


def run_autograd(cfg: ChapterTwoConfig, ctx: RunContext) -> RunResult:
    deviations = {}
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    y.backward()
    deviations["d(2 x.x)/dx = 4x"] = (x.grad - 4 * x).abs().max()
    x.grad.zero_()
    x.sum().backward()
    deviations["d(sum x)/dx = 1"] = (x.grad - 1).abs().max()
    x.grad.zero_()
    y = x * x
    y.backward(gradient=torch.ones(len(y)))  # a non-scalar: backward needs the vector to multiply with
    deviations["x * x, backward(ones) = 2x"] = (x.grad - 2 * x).abs().max()
    x.grad.zero_()
    y = x * x
    u = y.detach()  # u is a constant: z = u * x has gradient u, not 3x^2
    (u * x).sum().backward()
    deviations["detach: d(u x)/dx = u"] = (x.grad - u).abs().max()
    a = torch.randn((), requires_grad=True, generator=torch.Generator().manual_seed(cfg.seed))
    d = control_flow(a)
    d.backward()
    deviations["control flow: grad = f(a) / a"] = (a.grad - d / a).abs().detach()
    for what, dev in deviations.items():
        print(f"{what}: deviation {float(dev.detach()):.1e}")
    xs = torch.linspace(-torch.pi, torch.pi, 100, requires_grad=True)
    torch.sin(xs).sum().backward()
    deviations["d sin(x)/dx = cos(x)"] = (xs.grad - torch.cos(xs)).abs().max()
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    write_records(ctx.out_dir / "history.jsonl", [{"kind": "check", "gradient": k, "deviation": float(v.detach())}
                                                  for k, v in deviations.items()])  # fmt: skip
    xd = xs.detach()
    plot_series({"sin(x)": (xd, torch.sin(xd)), "autograd d/dx": (xd, xs.grad), "cos(x)": (xd, torch.cos(xd))},
                ctx.out_dir / "sin.png", xlabel="x", title="sin and the gradient autograd computes",
                styles={"cos(x)": ":"})  # fmt: skip
    worst = float(max(float(v.detach()) for v in deviations.values()))
    return RunResult({"max_deviation": worst}, f"{len(deviations)} gradients, largest deviation from the analytic "
                                               f"one {worst:.1e}")  # fmt: skip


def run_probability(cfg: ChapterTwoConfig, ctx: RunContext) -> RunResult:
    g = torch.Generator().manual_seed(cfg.seed)
    probs = torch.ones(6) / 6
    per_group = max(cfg.tosses // cfg.groups, 1)
    counts = torch.stack([torch.bincount(torch.multinomial(probs, per_group, replacement=True, generator=g),
                                         minlength=6) for _ in range(cfg.groups)])  # fmt: skip
    estimates = counts.cumsum(0) / counts.cumsum(0).sum(1, keepdim=True)  # (groups, 6)
    final = estimates[-1]
    print(
        f"after {per_group * cfg.groups:,} tosses: " + ", ".join(f"P({i + 1}) = {p:.4f}" for i, p in enumerate(final))
    )
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    steps = range(1, cfg.groups + 1)
    write_records(ctx.out_dir / "history.jsonl", [{"kind": "step", "tosses": s * per_group, "estimates": e.tolist()}
                                                  for s, e in zip(steps, estimates)])  # fmt: skip
    series = {f"P(die={i + 1})": (steps, estimates[:, i]) for i in range(6)}
    series["1/6"] = (steps, [1 / 6] * cfg.groups)
    plot_series(series, ctx.out_dir / "dice.png", xlabel=f"groups of {per_group} tosses",
                ylabel="estimated probability", styles={"1/6": "k--"})  # fmt: skip
    dev = float((final - 1 / 6).abs().max())
    return RunResult(
        {"max_deviation": dev}, f"largest deviation from 1/6 after {per_group * cfg.groups:,} tosses: {dev:.4f}"
    )


def _register(name: str, section: str, run, metric: str, band: tuple[float, float], source: str) -> None:
    cfg = ChapterTwoConfig()
    recipe(name, section=section, dataset="synthetic", metric=metric, higher_is_better=False, run=run,
           checkpoints=False, book=Profile(cfg, band=band, minutes=0.1, source=source),
           quick=Profile(cfg, band=band, minutes=0.1, source=source),
           tiny=Profile(replace(cfg, tosses=600, groups=60)))  # fmt: skip


_register("calculus", "2.4 Calculus (the difference quotient's limit, the tangent line)", run_calculus,
          "limit_error", (0.0, 1e-3), "exact: f'(1) = 2; the book prints 2.00003 at h = 1e-5")  # fmt: skip
_register("autograd", "2.5 Automatic differentiation (torch's; the engine from scratch is autograd-scratch)",
          run_autograd, "max_deviation", (0.0, 1e-5), "exact analytic gradients")  # fmt: skip
_register("probability", "2.6 Probability (tossing a fair die)", run_probability, "max_deviation", (0.0, 0.015),
          "1/6; for 10,000 tosses one standard deviation is 0.0037")  # fmt: skip
