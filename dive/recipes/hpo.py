"""Hyperparameter optimization (book ch. 19) with the from-scratch API (`dive.scratch.hpo`) on dive's recipes.

Each trial trains the `softmax` (§19.1) or `lenet` (§19.2-19.5) model through the same pipeline as those recipes
(`classify.train_classifier`), in its own folder `trials/trial-007/`, an ordinary run of that recipe (`dive
predict` works on it). The objective is the validation error, 1 - accuracy on Fashion-MNIST's test split (what the
book's `d2l.FashionMNIST` validates on).
- `hpo-softmax` (§19.1), `hpo-random` (§19.2): random search, every trial with the full budget.
- `hpo-sh` (§19.4): successive halving, eta 2, rungs 2, 4, 8, 10 epochs. The book retrains a promoted trial from
  scratch; here it continues from its checkpoint (resume is exact), so a rung costs only its extra epochs.
- `hpo-async` (§19.3, §19.5): random search or ASHA with 2 worker processes, under a wall-clock budget.
- `hpo-compare`: the chapter's point, measured: random search against ASHA at the same wall-clock budget, over a
  few seeds, the two incumbent trajectories in one figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from dive.core import ConfigError
from dive.nn import init_xavier
from dive.plot import plot_incumbents, plot_rungs
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.classify import FASHION_DATA, train_classifier
from dive.recipes.common import write_records
from dive.recipes.lenet import LeNetConfig
from dive.recipes.lenet import build as build_lenet
from dive.recipes.softmax_regression import SoftmaxConfig, build_concise
from dive.scratch import hpo
from dive.train.optim import SGD

SCHEDULERS = ("basic", "sh", "asha")


@dataclass(frozen=True)
class HPOConfig(TrainConfig):
    """Book §19.2: LeNet, lr ~ log-uniform(0.01, 1), batch size ~ randint(32, 256), the initial configuration
    (lr 0.1, batch 128) first, 5 trials of 10 epochs. `batch_low` 0 keeps `batch_size` fixed (§19.1)."""

    model: str = "lenet"  # or "softmax"
    scheduler: str = "basic"  # "sh" (successive halving) or "asha"
    trials: int = 5  # jobs the tuner runs (a promotion is a job)
    lr_low: float = 0.01
    lr_high: float = 1.0
    batch_low: int = 32
    batch_high: int = 256
    batch_size: int = 128
    initial_lr: float = 0.1  # 0: no initial configuration
    initial_batch: int = 128
    max_epochs: int = 10  # r_max
    r_min: int = 2
    eta: int = 2
    workers: int = 1
    budget_seconds: float = 0.0  # stop starting jobs after this many seconds (0: no limit)
    seeds: int = 1  # hpo-compare: searches per scheduler


class TrialRunner:
    """The objective: train one job in its trial folder (continuing from its checkpoint when promoted) and return
    the validation error. Picklable, so the asynchronous tuner runs it in worker processes."""

    def __init__(self, cfg: HPOConfig, folder: Path, data_root: str | None, threads: int = 0):
        self.cfg, self.folder, self.data_root, self.threads = cfg, folder, data_root, threads

    def __call__(self, job: dict[str, Any]) -> float:
        if self.threads:
            torch.set_num_threads(self.threads)
        cfg, name = self.cfg, self.cfg.model
        base = LeNetConfig() if name == "lenet" else SoftmaxConfig()
        trial_cfg = replace(base, lr=job["lr"], batch_size=job.get("batch_size", cfg.batch_size),
                            max_epochs=job.get("max_epochs", cfg.max_epochs), seed=cfg.seed,
                            synthetic=cfg.synthetic)  # fmt: skip
        folder = self.folder / f"trial-{job['trial']:03d}"
        ctx = RunContext(folder, recipe=name, profile="hpo", resume=(folder / "checkpoint.safetensors").exists(),
                         data_root=self.data_root, progress=False)  # fmt: skip
        folder.mkdir(parents=True, exist_ok=True)
        torch.manual_seed(cfg.seed)
        model = build_lenet(trial_cfg) if name == "lenet" else build_concise(trial_cfg)
        if name == "lenet":
            model.apply(init_xavier)
        result = train_classifier(trial_cfg, ctx, model, SGD(model.parameters(), lr=trial_cfg.lr), F.cross_entropy)
        acc = result.metrics["test_acc"]
        return 1.0 - acc if math.isfinite(acc) else 1.0


def make_scheduler(cfg: HPOConfig, scheduler: str, seed: int):
    space = {"lr": hpo.LogUniform(cfg.lr_low, cfg.lr_high)}
    if cfg.batch_low:
        space["batch_size"] = hpo.RandInt(cfg.batch_low, cfg.batch_high)
    initial = None
    if cfg.initial_lr:
        initial = {"lr": cfg.initial_lr, **({"batch_size": cfg.initial_batch} if cfg.batch_low else {})}
    searcher = hpo.RandomSearcher(space, initial, seed=seed)
    if scheduler == "sh":
        return hpo.SuccessiveHalvingScheduler(searcher, cfg.eta, cfg.r_min, cfg.max_epochs)
    if scheduler == "asha":
        return hpo.ASHAScheduler(searcher, cfg.eta, cfg.r_min, cfg.max_epochs)
    return hpo.BasicScheduler(searcher)


def check(cfg: HPOConfig) -> None:
    if cfg.model not in ("lenet", "softmax") or cfg.scheduler not in SCHEDULERS:
        raise ConfigError(f"--model is lenet or softmax and --scheduler one of {', '.join(SCHEDULERS)}")
    if not (0 < cfg.lr_low < cfg.lr_high) or (cfg.batch_low and not 0 < cfg.batch_low < cfg.batch_high):
        raise ConfigError("the lr range needs 0 < lr_low < lr_high, the batch range 0 < batch_low < batch_high")
    if cfg.trials < 1 or cfg.workers < 1 or not 1 <= cfg.r_min <= cfg.max_epochs or cfg.eta < 2:
        raise ConfigError("--trials, --workers >= 1; 1 <= r_min <= max_epochs; eta >= 2")


def search(cfg: HPOConfig, ctx: RunContext, scheduler: str, seed: int, folder: Path) -> hpo.HPOTuner:
    threads = max(1, torch.get_num_threads() // cfg.workers) if cfg.workers > 1 else 0
    tuner = hpo.HPOTuner(make_scheduler(cfg, scheduler, seed), TrialRunner(cfg, folder, ctx.data_root, threads))
    budget = cfg.budget_seconds or None
    if cfg.workers > 1:
        tuner.run_async(cfg.trials, cfg.workers, budget_seconds=budget)
    else:
        tuner.run(cfg.trials, budget_seconds=budget)
    return tuner


def run(cfg: HPOConfig, ctx: RunContext) -> RunResult:
    check(cfg)
    tuner = search(cfg, ctx, cfg.scheduler, cfg.seed, ctx.out_dir / "trials")
    write_records(ctx.out_dir / "history.jsonl", [{"kind": "trial", **r} for r in tuner.records])
    label = {"basic": "random search", "sh": "successive halving", "asha": "ASHA"}[cfg.scheduler]
    plot_incumbents({label: (tuner.cumulative_runtime, tuner.incumbent_trajectory)}, ctx.out_dir / "incumbent.png",
                    "validation error", f"{ctx.recipe}: {len(tuner.records)} jobs")  # fmt: skip
    if cfg.scheduler != "basic":
        plot_rungs([(r["max_epochs"], r["error"]) for r in tuner.records], ctx.out_dir / "rungs.png",
                   "validation error")  # fmt: skip
    best = tuner.incumbent
    shown = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in best.items() if k != "trial")
    epochs = sum(r.get("max_epochs", cfg.max_epochs) for r in tuner.records)
    m = {"best_error": tuner.incumbent_error, "jobs": float(len(tuner.records)),
         "seconds": tuner.cumulative_runtime[-1], "best_lr": float(best["lr"])}  # fmt: skip
    lines = [f"{label}, {len(tuner.records)} jobs in {m['seconds']:.0f} s: best validation error "
             f"{tuner.incumbent_error:.4f} (trial {best['trial']}: {shown})",
             f"trials in {ctx.out_dir / 'trials'} (each a {cfg.model} run); incumbent.png"
             + ("; rungs.png" if cfg.scheduler != "basic" else "")]  # fmt: skip
    if cfg.scheduler == "sh":
        lines.append(f"{epochs} epochs trained in all (promoted trials continue from their checkpoints)")
    return RunResult.of(m, lines)


def run_compare(cfg: HPOConfig, ctx: RunContext) -> RunResult:
    """Random search against ASHA, same workers and wall-clock budget, `seeds` searches each. Compared at the
    budget (the best error among the jobs finished by then), and once the jobs running at the budget end."""
    check(cfg)
    if not cfg.budget_seconds:
        raise ConfigError("hpo-compare needs --budget_seconds (the same wall-clock budget for both searches)")
    curves, m, lines, records = {}, {}, [], []
    for scheduler, label in (("basic", "random search"), ("asha", "ASHA")):
        at_budget, at_end = [], []
        for seed in range(cfg.seeds):
            tuner = search(cfg, ctx, scheduler, cfg.seed + seed, ctx.out_dir / f"{scheduler}-{seed}")
            curves[f"{label}, seed {seed}"] = (tuner.cumulative_runtime, tuner.incumbent_trajectory)
            in_time = [r["error"] for r in tuner.records if r["seconds"] <= cfg.budget_seconds]
            at_budget.append(min(in_time, default=1.0))
            at_end.append(tuner.incumbent_error)
            records += [{"kind": "trial", "scheduler": scheduler, "search_seed": seed, **r} for r in tuner.records]
        m[f"{scheduler}_error_at_budget"] = sum(at_budget) / len(at_budget)
        m[f"{scheduler}_best_error"] = sum(at_end) / len(at_end)
        each = ", ".join(f"{e:.4f}" for e in at_budget)
        mean, end = m[f"{scheduler}_error_at_budget"], m[f"{scheduler}_best_error"]
        lines.append(f"{label}: best validation error at {cfg.budget_seconds:.0f} s {mean:.4f} (mean of {cfg.seeds} "
                     f"searches: {each}); {end:.4f} once the jobs running then ended")  # fmt: skip
    m["asha_gain"] = m["basic_error_at_budget"] - m["asha_error_at_budget"]
    write_records(ctx.out_dir / "history.jsonl", records)
    plot_incumbents(curves, ctx.out_dir / "incumbent.png", "validation error", "random search vs ASHA")
    return RunResult.of(m, lines)


MEASURED = "measured, 2 CPU cores"
R = HPOConfig()
TINY = {"synthetic": True, "max_epochs": 2, "r_min": 1, "trials": 3, "batch_low": 32, "batch_high": 64}
SOFTMAX = replace(R, model="softmax", lr_low=1e-4, lr_high=1.0, batch_low=0, batch_size=16, max_epochs=8,
                  initial_lr=0.0)  # fmt: skip


def hpo_recipe(name: str, section: str, **kw: Any) -> None:
    """A chapter-19 recipe: Fashion-MNIST's data part, no model of its own (its trials are lenet/softmax runs)."""
    recipe(name, section=section, dataset="fashion-mnist", metric=kw.pop("metric", "best_error"),
           higher_is_better=kw.pop("higher_is_better", False), run=kw.pop("run", run), checkpoints=False,
           data=FASHION_DATA, **kw)  # fmt: skip


hpo_recipe("hpo-softmax", "19.1 What Is Hyperparameter Optimization? (softmax regression's lr)",
       # 5 trials, batch 16, 8 epochs: best 0.1606 (lr 0.108), 119 s
       book=Profile(SOFTMAX, band=(0.15, 0.18), minutes=2.5, source="book §19.1 setup, measured"),
       # 3 trials of 2 epochs at batch 256: best validation error 0.196 (lr 0.108), 5 s
       quick=Profile(replace(SOFTMAX, trials=3, max_epochs=2, batch_size=256), band=(0.17, 0.23), minutes=0.2,
                     source=MEASURED),
       tiny=Profile(replace(SOFTMAX, **{**TINY, "batch_low": 0})),
)  # fmt: skip
hpo_recipe("hpo-random", "19.2 Hyperparameter Optimization API (random search, LeNet)",
       # 5 trials of 10 epochs: best 0.1285 (lr 0.603, batch 42), 174 s
       book=Profile(R, band=(0.11, 0.16), minutes=3.5, source="book §19.2 setup, measured"),
       # 5 trials of 4 epochs: best validation error 0.161 (lr 0.603, batch 42), 76 s
       quick=Profile(replace(R, max_epochs=4), band=(0.13, 0.20), minutes=1.5, source=MEASURED),
       tiny=Profile(replace(R, **TINY)),
)  # fmt: skip
SH = replace(R, scheduler="sh", trials=30)
hpo_recipe("hpo-sh", "19.4 Multi-Fidelity HPO: successive halving (LeNet, eta 2, rungs 2-4-8-10)",
       # 30 jobs (two rounds, 116 epochs): best 0.1285 (lr 0.603, batch 42, 10 epochs), 253 s
       book=Profile(SH, band=(0.11, 0.15), minutes=5, source="book §19.4 setup, measured"),
       # one round, 15 jobs (8 at 2 epochs, 4 at 4, 2 at 8, 1 at 10: 58 epochs): best 0.1285 (lr 0.603, batch 42,
       # 10 epochs), 152 s
       quick=Profile(replace(SH, trials=15), band=(0.11, 0.16), minutes=3, source=MEASURED),
       tiny=Profile(replace(SH, **{**TINY, "trials": 7, "max_epochs": 4})),
)  # fmt: skip
ASYNC = replace(R, scheduler="asha", workers=2, trials=200, budget_seconds=180)
hpo_recipe("hpo-async", "19.3 / 19.5 Asynchronous random search and ASHA (LeNet, 2 workers)",
       # 180 s: 30 jobs, best 0.1285 (10 epochs), 194 s
       book=Profile(ASYNC, band=(0.11, 0.15), minutes=3.5, source="book §19.5 setup, measured"),
       # 90 s: 14 jobs, best 0.1339 (8 epochs), 102 s; the random profile (180 s): 8 jobs, best 0.1285, 220 s
       quick=Profile(replace(ASYNC, budget_seconds=90), band=(0.11, 0.17), minutes=2, source=MEASURED),
       tiny=Profile(replace(ASYNC, **{**TINY, "trials": 4, "budget_seconds": 0})),
       more={"random": Profile(replace(ASYNC, scheduler="basic"), band=(0.11, 0.17), minutes=4, source=MEASURED)},
)  # fmt: skip
hpo_recipe("hpo-compare", "19.5 Random search against ASHA at the same wall-clock budget (LeNet, 2 workers)",
       metric="asha_gain", higher_is_better=True, run=run_compare,
       # 60 s each: at the budget random 0.2046 / 0.2622, ASHA 0.1612 / 0.1494 (gain 0.078); once the running jobs
       # end, random 0.1285 / 0.1399, ASHA 0.1339 / 0.1494; 363 s in all
       book=Profile(replace(ASYNC, seeds=2, budget_seconds=60), band=(0.0, 0.15), minutes=6.5, source=MEASURED),
       # 40 s each, trials of at most 4 epochs: at the budget random 0.2810 / 0.4141, ASHA 0.2810 / 0.1807 (gain
       # 0.117); both 0.1709 once the running jobs end; 202 s in all
       quick=Profile(replace(ASYNC, seeds=2, budget_seconds=40, max_epochs=4), band=(0.0, 0.25), minutes=4,
                     source=MEASURED),
       tiny=Profile(replace(ASYNC, **{**TINY, "trials": 4, "budget_seconds": 5.0, "workers": 1})),
)  # fmt: skip
