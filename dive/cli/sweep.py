"""`dive sweep RECIPE --param NAME=KIND:LOW:HIGH ...`: tune any recipe's config on Optuna (see `cli/study.py`).

The sweep's folder (`runs/sweeps/NAME/`) holds the study (`study.db`, unless `--storage` names a shared
database), one run folder per trial (`trial-007/`: resumable, loadable, predictable like any run), and, when the
workers are done, `trials.csv`, `incumbent.png` (best so far against wall-clock seconds) and `trials.png` (the
metric against each hyperparameter). It ends by printing the best trial as the `dive run` command that repeats it.

Workers are processes on this machine (`--workers`); more machines join the same study by running the same
command with the same `--storage postgresql://...` and `--name`, plus `--join`.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
from pathlib import Path
from typing import Any

from dive.cli.study import (
    SCHEDULERS,
    Sweep,
    TrialFailed,
    check_params,
    default_storage,
    finished,
    objective,
    open_study,
    parse_param,
)
from dive.core import ConfigError, DiveError
from dive.train.callbacks import metric_mode


def add_sweep_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep", help="tune a recipe's hyperparameters (Optuna: random, TPE, successive halving)",
        description="Search a recipe's config fields; each trial is a run folder under runs/sweeps/NAME/.",
        epilog="example: dive sweep lenet --profile quick --param lr=loguniform:0.01:1 --param batch_size=int:32:256 "
               "--trials 20 --workers 2 --scheduler asha.  KIND: float, loguniform, int, logint (NAME=KIND:LOW:HIGH) "
               "or choice (NAME=choice:A,B). Other --key=value arguments fix config fields for every trial.",
    )  # fmt: skip
    p.add_argument("recipe", help="recipe name (see `dive list`)")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=KIND:LOW:HIGH",
        help="a config field to search, once per field: e.g. lr=loguniform:1e-3:1, batch_size=int:32:256",
    )
    p.add_argument("--profile", default="quick", help="the profile trials start from (default: quick)")
    p.add_argument("--trials", type=int, default=20, help="trials that finish the study (default: 20)")
    p.add_argument("--workers", type=int, default=1, help="trials run at once on this machine (default: 1)")
    p.add_argument("--scheduler", default="random", choices=SCHEDULERS,
                   help="random or tpe sampling; asha adds successive halving on the per-epoch metric")  # fmt: skip
    p.add_argument("--metric", help="what to optimise (default: the recipe's metric)")
    p.add_argument("--direction", choices=["maximize", "minimize"], help="default: from the metric")
    p.add_argument("--min-epochs", type=int, default=1, help="successive halving's first rung (default: 1)")
    p.add_argument("--eta", type=int, default=2, help="successive halving's reduction factor (default: 2)")
    p.add_argument("--name", help="the sweep's name (default: the recipe's)")
    p.add_argument("--out", help="the sweep's folder (default: runs/sweeps/NAME)")
    p.add_argument("--storage", help="a database several machines share, e.g. postgresql+psycopg://user@host/db")
    p.add_argument("--resume", action="store_true", help="finish an interrupted sweep (its dead trials retried)")
    p.add_argument("--join", action="store_true", help="add this machine's workers to a sweep another one started")
    p.add_argument("--seed", type=int, default=0, help="the samplers' seed (default: 0)")
    p.add_argument("--data", help="data root (default: $DIVE_DATA, cache, system)")
    p.set_defaults(func=_cmd_sweep)


def build_sweep(args: argparse.Namespace, sets: list[str]) -> Sweep:
    """Everything checked before any trial starts: recipe, profile, params against its config, metric, counts."""
    from dive.cli.run import prepare

    try:
        import optuna  # noqa: F401
    except ImportError:
        raise DiveError("dive sweep runs on Optuna: pip install 'dive-dl[sweep]' (or -e '.[sweep]')") from None
    recipe, cfg = prepare(args.recipe, args.profile, sets, 1)  # unknown recipe/profile/override: one line each
    if not args.param:
        raise ConfigError("give at least one --param NAME=KIND:LOW:HIGH to search (see dive sweep --help)")
    params = tuple(parse_param(t) for t in args.param)
    check_params(list(params), cfg)
    if args.trials < 1 or args.workers < 1 or args.eta < 2 or args.min_epochs < 1:
        raise ConfigError("--trials, --workers and --min-epochs are at least 1, --eta at least 2")
    metric = args.metric or recipe.metric
    if metric != recipe.metric and not metric.startswith(("train_", "test_", "valid_", "all_")):
        raise ConfigError(f"--metric {metric!r}: {args.recipe} reports {recipe.metric} and train_/test_/valid_ "
                          "metrics per epoch")  # fmt: skip
    direction = args.direction or _direction(metric, recipe)
    name = args.name or args.recipe
    folder = Path(args.out) if args.out else Path("runs") / "sweeps" / name
    folder.mkdir(parents=True, exist_ok=True)
    storage = args.storage or default_storage(folder)
    return Sweep(args.recipe, args.profile, params, metric, direction, args.trials, args.scheduler, name,
                 str(folder), storage, tuple(sets), args.seed, args.min_epochs, args.eta, args.data)  # fmt: skip


def _direction(metric: str, recipe: Any) -> str:
    """The recipe's own metric goes its way; another by its name (`metric_mode`), minimized when it says nothing."""
    return "maximize" if metric_mode(metric, {recipe.metric: recipe.higher_is_better}, "min") == "max" else "minimize"


def _cmd_sweep(args: argparse.Namespace, extra: list[str] | None = None) -> int:
    from dive.cli.run import split_extra

    sweep = build_sweep(args, split_extra(extra or []))
    study = open_study(sweep, create=not args.join, resume=args.resume or args.join)
    left = sweep.trials - finished(study)
    print(f"sweep {sweep.name}: {sweep.recipe} --profile {sweep.profile}, {sweep.metric} ({sweep.direction}), "
          f"{sweep.scheduler}; {finished(study)} of {sweep.trials} trials done; study in {sweep.storage}")  # fmt: skip
    run_workers(sweep, left, args.workers)
    table = write_outputs(sweep, load_study(sweep))
    best = table[table["state"] == "COMPLETE"]
    if best.empty:
        raise DiveError(f"no trial of sweep {sweep.name} completed; see {Path(sweep.folder) / 'trials.csv'}")
    row = best.sort_values("value", ascending=sweep.direction == "minimize").iloc[0]
    print(f"best: trial {int(row['number'])}, {sweep.metric} {row['value']:.4g}")
    print(f"repeat it: {best_command(sweep, row)}")
    return 0


def load_study(sweep: Sweep):
    return open_study(sweep, create=False, resume=True)


def run_workers(sweep: Sweep, left: int, workers: int) -> None:
    """`left` trials over `workers` processes (this one when 1); each uses its share of the CPU cores."""
    if left <= 0:
        return
    workers = min(workers, left)
    shares = [left // workers + (i < left % workers) for i in range(workers)]
    threads = max(1, (os.cpu_count() or 1) // workers)
    if workers == 1:
        work(sweep, shares[0], 0, None)
        return
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=work, args=(sweep, n, i, threads)) for i, n in enumerate(shares)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    dead = [i for i, p in enumerate(procs) if p.exitcode]
    if dead:
        print(f"note: worker(s) {', '.join(map(str, dead))} ended early; `--resume` finishes their trials")


def work(sweep: Sweep, n_trials: int, worker: int, threads: int | None) -> None:
    """One worker: `n_trials` trials of the study (a retried one first, when a dead worker left one)."""
    if threads:
        import torch

        torch.set_num_threads(threads)
    study = open_study(sweep, create=False, resume=True, worker=worker)
    study.optimize(objective(sweep), n_trials=n_trials, catch=(TrialFailed,))


def write_outputs(sweep: Sweep, study) -> Any:
    """trials.csv, incumbent.png and trials.png in the sweep's folder; returns the table (a DataFrame)."""
    from dive.plot import plot_incumbents, plot_trials

    folder = Path(sweep.folder)
    table = trials_table(study)
    table.to_csv(folder / "trials.csv", index=False)
    done = table[table["state"] == "COMPLETE"].sort_values("complete_seconds")
    if not done.empty:
        sign = -1 if sweep.direction == "maximize" else 1
        best = (sign * done["value"]).cummin() * sign
        plot_incumbents({sweep.scheduler: (done["complete_seconds"].tolist(), best.tolist())},
                        folder / "incumbent.png", sweep.metric, f"sweep {sweep.name}")  # fmt: skip
        names = [p.name for p in sweep.params if p.kind != "choice"]
        pruned = table[(table["state"] == "PRUNED") & table["value"].notna()]
        rows, stopped = ([{**{n: r[n] for n in names}, sweep.metric: r["value"]} for _, r in t.iterrows()]
                         for t in (done, pruned))  # fmt: skip
        plot_trials(rows, names, sweep.metric, folder / "trials.png", log=[p.name for p in sweep.params if p.log],
                    stopped=stopped)  # fmt: skip
    return table


def trials_table(study) -> Any:
    """One row per trial: number, state, value, params, seconds from the study's first start, folder, reason."""
    import pandas as pd

    trials = study.get_trials(deepcopy=False)
    starts = [t.datetime_start for t in trials if t.datetime_start]
    t0 = min(starts) if starts else None
    rows = []
    for t in trials:
        end = t.datetime_complete
        rows.append({"number": t.number, "state": t.state.name, "value": t.value, **t.params,
                     "epochs": max(t.intermediate_values, default=None),
                     "complete_seconds": (end - t0).total_seconds() if end and t0 else math.nan,
                     "folder": t.user_attrs.get("folder", ""), "reason": t.user_attrs.get("reason", "")})  # fmt: skip
    return pd.DataFrame(rows)


def best_command(sweep: Sweep, row: Any) -> str:
    """The `dive run` command that trains the trial of `row` again."""
    values = [f"--{p.name}={_shown(p, row[p.name])}" for p in sweep.params]
    sets = [f"--{s}" for s in sweep.sets]
    return " ".join(["dive run", sweep.recipe, "--profile", sweep.profile, *sets, *values])


def _shown(p, value: Any) -> str:
    if p.kind in ("int", "logint"):
        return str(int(value))
    return f"{value:.6g}" if p.kind in ("float", "loguniform") else str(value)
