"""The engine of `dive sweep`: a recipe's config fields searched with Optuna, each trial an ordinary run folder.

- `Param` / `parse_param`: "lr=loguniform:1e-3:1", "batch_size=int:32:256", "cell=choice:gru,lstm"; checked
  against the recipe's config (the field exists, an int field gets an int range, low < high, log needs low > 0).
- `Sweep`: everything a worker needs, picklable, stored in the study (its user attributes) so that `--resume` and
  a second machine's workers can check they run the same search.
- `open_study`: one SQLite file by default (`runs/sweeps/NAME/study.db`), or any SQLAlchemy URL
  (`postgresql://...`) that several machines share. Heartbeats mark a trial whose worker died (SIGKILL, a lost
  machine) as failed after `GRACE` seconds, and `RetryFailedTrialCallback` queues it again with the same values;
  the retry continues the dead trial's own run folder from its last checkpoint (resume is exact), so no trial
  trains twice to completion.
- `objective`: run the recipe with the trial's values (`cli.run.run_recipe`), report each epoch's metric to the
  study through `reporter` (Optuna's pruners decide on it: successive halving for `--scheduler asha`), return the
  final metric. A diverging trial (NaN) is recorded as failed with its reason, never as a result.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dive.core import ConfigError, DiveError

KINDS = ("float", "loguniform", "int", "logint", "choice")
SCHEDULERS = ("random", "tpe", "asha", "tpe+asha")
HEARTBEAT = 5  # seconds between a running trial's heartbeats
GRACE = int(os.environ.get("DIVE_SWEEP_GRACE", "60"))  # a trial silent this long belongs to a dead worker


@dataclass(frozen=True)
class Param:
    """One searched field: `kind` in KINDS; `low`/`high` for ranges, `choices` for "choice"."""

    name: str
    kind: str
    low: float = 0.0
    high: float = 0.0
    choices: tuple[str, ...] = ()

    @property
    def log(self) -> bool:
        return self.kind in ("loguniform", "logint")


def parse_param(text: str) -> Param:
    """NAME=KIND:LOW:HIGH or NAME=choice:A,B,C -> Param; one clear line for anything else."""
    name, _, spec = text.partition("=")
    kind, _, rest = spec.partition(":")
    if not name or kind not in KINDS or not rest:
        raise ConfigError(f"--param {text!r}: write NAME=KIND:LOW:HIGH (KIND one of {', '.join(KINDS[:4])}) or "
                          "NAME=choice:A,B,C, e.g. lr=loguniform:1e-3:1")  # fmt: skip
    if kind == "choice":
        choices = tuple(c for c in rest.split(",") if c)
        if len(choices) < 2:
            raise ConfigError(f"--param {text!r}: a choice needs at least two values")
        return Param(name, kind, choices=choices)
    try:
        low, high = (float(v) for v in rest.split(":"))
    except ValueError:
        raise ConfigError(f"--param {text!r}: the range is LOW:HIGH, two numbers") from None
    if not low < high:
        raise ConfigError(f"--param {text!r}: low {low:g} must be below high {high:g}")
    if kind in ("loguniform", "logint") and low <= 0:
        raise ConfigError(f"--param {text!r}: a log scale needs low > 0, got {low:g}")
    if kind in ("int", "logint") and (low != int(low) or high != int(high)):
        raise ConfigError(f"--param {text!r}: an int range has whole-number ends")
    return Param(name, kind, low, high)


def check_params(params: list[Param], cfg: Any) -> None:
    """Each param names a field of the recipe's config, with a kind its type takes; no field twice."""
    fields = {f.name: f for f in dataclasses.fields(cfg)}
    seen = set()
    for p in params:
        if p.name not in fields:
            raise ConfigError(f"--param {p.name}: the config has no such field; it has: {', '.join(fields)}")
        if p.name in seen:
            raise ConfigError(f"--param {p.name} is given twice")
        seen.add(p.name)
        current = getattr(cfg, p.name)
        if isinstance(current, bool) and p.kind != "choice":
            raise ConfigError(f"--param {p.name}: a true/false field is searched as {p.name}=choice:true,false")
        if isinstance(current, int) and not isinstance(current, bool) and p.kind in ("float", "loguniform"):
            raise ConfigError(f"--param {p.name}: the field is an integer; use int or logint")


def suggest(trial: Any, p: Param) -> Any:
    if p.kind == "choice":
        return trial.suggest_categorical(p.name, list(p.choices))
    if p.kind in ("int", "logint"):
        return trial.suggest_int(p.name, int(p.low), int(p.high), log=p.log)
    return trial.suggest_float(p.name, p.low, p.high, log=p.log)


@dataclass(frozen=True)
class Sweep:
    """A search: recipe, profile, the searched params, fixed overrides (`sets`), the metric and its direction,
    how many trials finish it, the scheduler, and where the study and the trial folders live."""

    recipe: str
    profile: str
    params: tuple[Param, ...]
    metric: str
    direction: str  # "maximize" or "minimize"
    trials: int
    scheduler: str
    name: str
    folder: str
    storage: str
    sets: tuple[str, ...] = ()
    seed: int = 0
    min_epochs: int = 1  # successive halving's first rung
    eta: int = 2  # successive halving's reduction factor
    data_root: str | None = None
    device: str = "cpu"
    extra: dict[str, Any] = field(default_factory=dict)

    def identity(self) -> dict[str, Any]:
        """What must agree for two commands to work on one study."""
        return {"recipe": self.recipe, "profile": self.profile, "metric": self.metric, "direction": self.direction,
                "params": [dataclasses.asdict(p) for p in self.params], "sets": list(self.sets),
                "scheduler": self.scheduler}  # fmt: skip


def default_storage(folder: Path) -> str:
    return f"sqlite:///{(folder / 'study.db').resolve()}"


def open_study(sweep: Sweep, *, create: bool, resume: bool, worker: int = 0):
    """The study named `sweep.name` in its storage: created (refused if it exists, unless `resume`), or loaded
    (refused if it is another search)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    engine = {"connect_args": {"timeout": 60}} if sweep.storage.startswith("sqlite") else {}
    retry = optuna.storages.RetryHeartbeatStaleTrialCallback  # a dead worker's trial, queued again
    storage = optuna.storages.RDBStorage(
        sweep.storage, engine_kwargs=engine, heartbeat_interval=HEARTBEAT, grace_period=GRACE,
        heartbeat_stale_trial_callback=retry(max_retry=3, inherit_intermediate_values=True),
    )  # fmt: skip
    seed = sweep.seed + 1000 * worker  # each worker proposes its own values
    tpe = sweep.scheduler.startswith("tpe")
    sampler = optuna.samplers.TPESampler(seed=seed) if tpe else optuna.samplers.RandomSampler(seed=seed)
    pruner = (optuna.pruners.SuccessiveHalvingPruner(min_resource=sweep.min_epochs, reduction_factor=sweep.eta)
              if sweep.scheduler.endswith("asha") else optuna.pruners.NopPruner())  # fmt: skip
    names = {s.study_name for s in optuna.study.get_all_study_summaries(storage)}
    if create and sweep.name in names and not resume:
        raise DiveError(f"a sweep named {sweep.name!r} exists in {sweep.storage}: add --resume to finish it, "
                        "or give another --name")  # fmt: skip
    if not create and sweep.name not in names:
        raise DiveError(f"no sweep named {sweep.name!r} in {sweep.storage}")
    study = optuna.create_study(storage=storage, study_name=sweep.name, sampler=sampler, pruner=pruner,
                                direction=sweep.direction, load_if_exists=True)  # fmt: skip
    stored, mine = study.user_attrs.get("sweep"), json.loads(json.dumps(sweep.identity()))
    if stored is None:
        study.set_user_attr("sweep", mine)
    elif stored != mine:
        diff = [k for k in stored if stored[k] != mine.get(k)]
        raise DiveError(f"sweep {sweep.name!r} was started with other settings ({', '.join(diff)}); "
                        "repeat its command, or give another --name")  # fmt: skip
    return study


def finished(study) -> int:
    """Trials that count towards `--trials`: complete, pruned, or failed for a reason of their own (diverged);
    not those failed because their worker died (they are retried)."""
    from optuna.trial import TrialState

    return sum(t.state in (TrialState.COMPLETE, TrialState.PRUNED)
               or (t.state == TrialState.FAIL and "reason" in t.user_attrs) for t in study.trials)  # fmt: skip


def reporter(trial: Any, metric: str):
    """A fit callback: each epoch's `metric` to the trial; Optuna's pruner may stop the trial there. (Built on
    first use: `dive.train` stays out of the CLI's start-up.)"""
    import optuna

    from dive.train import Callback

    class Reporter(Callback):
        def on_epoch_end(self, trainer, state) -> None:
            value = state.metrics.get(metric)
            if value is None or not math.isfinite(value):
                return
            trial.report(float(value), state.epoch)
            if trial.should_prune():
                raise optuna.TrialPruned(f"pruned after epoch {state.epoch}: {metric} {value:.4g}")

    return Reporter()


class TrialFailed(DiveError):
    """A trial that ended without a usable result (diverged): recorded as failed, the sweep goes on."""


def trial_folder(sweep: Sweep, number: int) -> Path:
    return Path(sweep.folder) / f"trial-{number:03d}"


def overrides(values: dict[str, Any]) -> list[str]:
    return [f"{k}={v}" for k, v in values.items()]


def objective(sweep: Sweep):
    """The function Optuna calls per trial."""

    from dive.cli.run import run_recipe
    from dive.train import TrainingDiverged

    def run(trial) -> float:
        values = {p.name: suggest(trial, p) for p in sweep.params}
        retried = _retried(trial.study, trial.number)
        first = trial.number if retried is None else retried
        folder = trial_folder(sweep, first)
        trial.set_user_attr("folder", folder.name)
        resume = retried is not None and (folder / "checkpoint.safetensors").exists()
        try:
            record = run_recipe(sweep.recipe, sweep.profile, [*sweep.sets, *overrides(values)], out=folder,
                                resume=resume, device=sweep.device, data_root=sweep.data_root, progress=False,
                                callbacks=[reporter(trial, sweep.metric)])  # fmt: skip
        except TrainingDiverged as e:
            trial.set_user_attr("reason", f"diverged: {e}")
            raise TrialFailed(str(e)) from None
        value = record["metrics"].get(sweep.metric)
        if value is None:
            raise DiveError(f"recipe {sweep.recipe} records no metric {sweep.metric!r}; it records: "
                            f"{', '.join(sorted(record['metrics']))}")  # fmt: skip
        if not math.isfinite(value):
            trial.set_user_attr("reason", f"{sweep.metric} is {value}")
            raise TrialFailed(f"{sweep.metric} is {value}")
        return float(value)

    return run


def _retried(study, number: int) -> int | None:
    """The trial this one retries (the first of a chain: its folder holds the run), or None."""
    import optuna

    frozen = next(t for t in study.get_trials(deepcopy=False) if t.number == number)
    return optuna.storages.RetryHeartbeatStaleTrialCallback.retried_trial_number(frozen)
