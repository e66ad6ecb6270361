"""Every 2-D optimization run the book shows (§12.3-12.8), printed as the book prints them and drawn over contours.

Each run starts at (-5, -2) and takes 20 steps with a scratch optimizer on x1^2 + 2 x2^2 or 0.1 x1^2 + 2 x2^2;
the printed end points equal the book's (deterministic: `tests/scratch/test_optimizers.py`). Also draws
momentum's effective weights beta^t (`effective_weights.png`) and SGD with a noisy gradient under a constant,
an exponentially and a polynomially decaying learning rate (`sgd_noisy.png`; random, so seeded, not the book's).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from dive.plot import plot_series, plot_traces_2d
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import write_records
from dive.scratch import SGD, AdaGrad, Momentum, RMSProp, book_line, f_2d, f_ill, trace_2d
from dive.scratch.optim_2d import noisy_sgd_trace

RUNS = [  # name, optimizer, objective, hyperparameters (book section)
    ("gd lr 0.1 (§12.3)", SGD, f_2d, {"lr": 0.1}),
    ("gd lr 0.4, ill-conditioned (§12.6)", SGD, f_ill, {"lr": 0.4}),
    ("gd lr 0.6, ill-conditioned", SGD, f_ill, {"lr": 0.6}),
    ("momentum lr 0.6 beta 0.5", Momentum, f_ill, {"lr": 0.6, "beta": 0.5}),
    ("momentum lr 0.6 beta 0.25", Momentum, f_ill, {"lr": 0.6, "beta": 0.25}),
    ("adagrad lr 0.4 (§12.7)", AdaGrad, f_ill, {"lr": 0.4}),
    ("adagrad lr 2", AdaGrad, f_ill, {"lr": 2.0}),
    ("rmsprop lr 0.4 gamma 0.9 (§12.8)", RMSProp, f_ill, {"lr": 0.4, "gamma": 0.9}),
]


@dataclass(frozen=True)
class TracesConfig(TrainConfig):
    """Book §12.3-12.8: one optimizer's 2-D trace on the book's test functions; nothing is trained."""

    steps: int = 20


def run(cfg: TracesConfig, ctx: RunContext) -> RunResult:
    lines, traces, metrics = [], {}, {}
    for name, opt, f, hyper in RUNS:
        trace = trace_2d(opt, f, steps=cfg.steps, **hyper)
        traces[name] = trace
        lines.append(f"{name}: {book_line(trace)}")
        metrics[name] = float(abs(trace[-1][0]) + abs(trace[-1][1]))
    plot_traces_2d(f_2d, {k: v for k, v in traces.items() if "§12.3" in k}, ctx.out_dir / "gd.png")
    noisy = {
        "sgd, constant lr 0.1": noisy_sgd_trace(lambda t: 0.1, 50, cfg.seed),
        "exponential 0.1 e^(-0.1 t), 1000 steps": noisy_sgd_trace(lambda t: 0.1 * math.exp(-0.1 * t), 1000, cfg.seed),
        "polynomial 0.1 (t+1)^-0.5, 50 steps": noisy_sgd_trace(lambda t: 0.1 * (t + 1) ** -0.5, 50, cfg.seed),
    }
    plot_traces_2d(f_2d, noisy, ctx.out_dir / "sgd_noisy.png")
    lines += [f"noisy {name}: {book_line(t)}" for name, t in noisy.items()]
    # momentum's velocity is sum_t beta^t g_{-t}: the weight a gradient t steps old still has (book §12.6.1)
    plot_series({f"beta = {b:.2f}": (range(40), [b**t for t in range(40)]) for b in (0.95, 0.9, 0.6, 0.0)},
                ctx.out_dir / "effective_weights.png", xlabel="time", ylabel="weight")  # fmt: skip
    ill = {k: v for k, v in traces.items() if "§12.3" not in k}
    plot_traces_2d(f_ill, ill, ctx.out_dir / "curves.png")
    metrics["final_distance"] = metrics[RUNS[0][0]]  # gd lr 0.1: |x1| + |x2| after 20 steps
    records = [
        {"kind": "step", "run": k, "step": i + 1, "x1": p[0], "x2": p[1]}
        for k, t in traces.items()
        for i, p in enumerate(t)
    ]
    write_records(ctx.out_dir / "history.jsonl", records)
    return RunResult.of(metrics, lines)


BOOK = TracesConfig()
PROFILES = {
    "book": Profile(BOOK, band=(0.0, 0.06), minutes=0.1, source="book §12.3: epoch 20, x1: -0.057646, x2: -0.000073"),
    "quick": Profile(BOOK, band=(0.0, 0.06), minutes=0.1, source="same as book"),
    "tiny": Profile(replace(BOOK, steps=5)),
}
recipe("optim-traces", section="12.3-12.8 Optimization in 2-D", dataset="synthetic", metric="final_distance", run=run,
       higher_is_better=False, checkpoints=False,
       **PROFILES,
)  # fmt: skip
