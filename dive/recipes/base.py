"""What a recipe is: a book experiment with its config, profiles and target band, registered by name.

A recipe's `run(cfg, ctx) -> RunResult` wires data + model + loss + optimizer + trainer; its `data` part says how
its data is read (and its stand-in), its `model` part how its trained model is rebuilt and used. Profiles:
- `book`: the book's hyperparameters; its band is the book's published result.
- `quick`: scaled to finish on 2 CPU cores within `minutes`, on real data; its band was measured here.
- `tiny`: seconds, on synthetic stand-ins of the same shapes; used by the tests, never for results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from dive.core import ConfigError, Registry
from dive.data import DATASETS
from dive.recipes.parts import DataPart, ModelPart
from dive.train import DistInfo
from dive.train.callbacks import parse_early_stop
from dive.train.loggers import parse_loggers


@dataclass(frozen=True)
class TrainConfig:
    """Fields every recipe config has. Subclass it with the recipe's own (frozen) fields."""

    seed: int = 0
    ckpt_every: int = 0  # also checkpoint every N steps (0: at epoch ends only)
    log_every: int = 50  # steps between per-step history records
    synthetic: bool = False  # same-shaped stand-in data instead of the dataset: what the tiny profiles train on


@dataclass(frozen=True)
class Profile:
    """A named config; `band` is the (low, high) target for the recipe's metric, `minutes` the stated CPU time."""

    config: Any
    band: tuple[float, float] | None = None
    minutes: float | None = None
    source: str = ""  # where the band comes from, e.g. "book 2.0 §4.4" or "measured on 2 CPU cores"
    metric: str | None = None  # the metric this band is on, when not the recipe's (e.g. corpus BLEU on a full run)
    higher_is_better: bool | None = None  # for that metric, when it runs the other way (e.g. the book's class error)


@dataclass(frozen=True)
class TrainOptions:
    """How every fit of a run trains, whatever the recipe (`dive run`'s flags): gradient accumulation, loggers
    beside history.jsonl, early stopping as 'METRIC:PATIENCE[:MIN_DELTA]'."""

    accumulate: int = 1
    log: tuple[str, ...] = ()  # of "tensorboard", "csv"
    early_stop: str | None = None

    @classmethod
    def parse(cls, accumulate: int = 1, log: str = "", early_stop: str | None = None, recipe: str = "") -> TrainOptions:
        """The flags as given ("tensorboard,csv", "test_loss:3"), checked now: a bad value is one line before
        anything runs, not an error after the first epoch."""
        if accumulate < 1:
            raise ConfigError(f"--accumulate must be 1 or more, got {accumulate}")
        if early_stop:
            parse_early_stop(early_stop, known=metric_directions(recipe))
        return cls(accumulate, parse_loggers(log), early_stop)


def metric_directions(recipe: str) -> dict[str, bool]:
    """{metric: higher is better} for a registered recipe's own metrics (its profiles' too): what early stopping
    and sweeps trust before a metric's name."""
    if recipe not in RECIPES:
        return {}
    r = RECIPES[recipe]
    known = {r.metric: r.higher_is_better}
    for p in r.profiles.values():
        if p.metric:
            known[p.metric] = r.higher_is_better if p.higher_is_better is None else p.higher_is_better
    return known


@dataclass
class RunContext:
    """Where and how a recipe runs. `progress=None` shows a bar only on a terminal."""

    out_dir: Path
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    recipe: str = ""
    profile: str = ""
    resume: bool = False
    data_root: str | None = None
    progress: bool | None = None
    precision: str = "fp32"  # or "bf16": autocast for forward and loss
    compile: bool = False  # run the model through torch.compile
    dist: DistInfo = field(default_factory=DistInfo)  # this process in a data-parallel run (rank 0 of 1 otherwise)
    models: dict[str, Any] = field(default_factory=dict)  # what run_fit trained, by sub-run ("model" for the main one)
    meta: dict[str, Any] = field(default_factory=dict)  # what the model part needs besides the config (vocab, ...)
    callbacks: list[Any] = field(default_factory=list)  # the caller's, added to the main fit (a sweep's reporter)
    options: TrainOptions = field(default_factory=TrainOptions)
    report: dict[str, Any] = field(default_factory=dict)  # what the fits add to summary.json (early stopping)


@dataclass
class RunResult:
    """Final metrics (including the recipe's target metric), the book-style summary line, and the main fit's speed."""

    metrics: dict[str, float]
    summary: str
    examples_per_sec: float | None = None

    @classmethod
    def of(cls, metrics: dict[str, float], lines: str | list[str]) -> RunResult:
        """The usual result: `metrics`, the summary `lines`, and the speed `metrics` recorded (if any)."""
        summary = lines if isinstance(lines, str) else "\n".join(lines)
        return cls(metrics, summary, metrics.get("examples_per_sec"))


@dataclass(frozen=True, kw_only=True)
class Recipe:
    """A registered book experiment; build one with `recipe(...)`, which checks it and registers it."""

    name: str
    section: str  # the book section, e.g. "4.4 Softmax Regression from Scratch"
    dataset: str  # a name in dive.data.DATASETS, or "synthetic" (data generated by the recipe itself)
    metric: str  # key of RunResult.metrics compared with the band, e.g. "test_acc"
    run: Callable[[Any, RunContext], RunResult]
    profiles: Mapping[str, Profile]
    higher_is_better: bool = True
    checkpoints: bool = True  # False for recipes that train no model (e.g. the 2-D optimizer traces)
    distributed: bool = False  # can train data-parallel over several processes (`dive run NAME --nproc N`)
    model: ModelPart | None = None  # how its trained model is rebuilt and used without the data (`dive predict`)
    data: DataPart | None = None  # how its data is read, and the stand-in its tiny profile reads instead

    def config(self, profile: str) -> Any:
        from dive.core import UnknownNameError

        if profile not in self.profiles:
            raise UnknownNameError(
                f"recipe {self.name!r} has no profile {profile!r}; it has: {', '.join(self.profiles)}"
            )
        return self.profiles[profile].config


RECIPES: Registry[Recipe] = Registry("recipe")
GENERATED = "synthetic"  # the dataset name of recipes whose data the recipe itself generates


def register(recipe: Recipe) -> Recipe:
    """Add a recipe to `RECIPES` (names are unique; the three profiles and a known dataset required)."""
    for required in ("book", "quick", "tiny"):
        if required not in recipe.profiles:
            raise ValueError(f"recipe {recipe.name!r} lacks the {required!r} profile")
    if recipe.dataset != GENERATED and recipe.dataset not in DATASETS:
        known = ", ".join([*DATASETS, GENERATED])
        raise ValueError(f"recipe {recipe.name!r} names dataset {recipe.dataset!r}, not one of: {known}")
    return RECIPES.add(recipe.name, recipe)


def recipe(
    name: str,
    *,
    section: str,
    dataset: str,
    metric: str,
    run: Callable[[Any, RunContext], RunResult],
    book: Profile,
    quick: Profile,
    tiny: Profile,
    more: Mapping[str, Profile] | None = None,
    higher_is_better: bool = True,
    checkpoints: bool = True,
    distributed: bool = False,
    model: ModelPart | None = None,
    data: DataPart | None = None,
) -> Recipe:
    """Build and register a recipe: the one registration helper every recipe module uses.

    `book`, `quick` and `tiny` are the three profiles every recipe has; `more` adds others (e.g. "full")."""
    profiles = {"book": book, "quick": quick, **(more or {}), "tiny": tiny}
    return register(
        Recipe(
            name=name,
            section=section,
            dataset=dataset,
            metric=metric,
            run=run,
            profiles=profiles,
            higher_is_better=higher_is_better,
            checkpoints=checkpoints,
            distributed=distributed,
            model=model,
            data=data,
        )
    )
