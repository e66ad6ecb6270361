"""What a recipe is: a book experiment with its config, profiles and target band, registered by name.

A recipe's `run(cfg, ctx) -> RunResult` wires data + model + loss + optimizer + trainer. Profiles:
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

from dive.core import Registry
from dive.train import DistInfo


@dataclass(frozen=True)
class TrainConfig:
    """Fields every recipe config has. Subclass it with the recipe's own (frozen) fields."""

    seed: int = 0
    ckpt_every: int = 0  # also checkpoint every N steps (0: at epoch ends only)
    log_every: int = 50  # steps between per-step history records


@dataclass(frozen=True)
class Profile:
    """A named config; `band` is the (low, high) target for the recipe's metric, `minutes` the stated CPU time."""

    config: Any
    band: tuple[float, float] | None = None
    minutes: float | None = None
    source: str = ""  # where the band comes from, e.g. "book 2.0 §4.4" or "measured on 2 CPU cores"
    metric: str | None = None  # the metric this band is on, when not the recipe's (e.g. corpus BLEU on a full run)


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


@dataclass
class RunResult:
    """Final metrics (including the recipe's target metric), the book-style summary line, and the main fit's speed."""

    metrics: dict[str, float]
    summary: str
    examples_per_sec: float | None = None


@dataclass(frozen=True)
class Recipe:
    name: str
    section: str  # the book section, e.g. "4.4 Softmax Regression from Scratch"
    dataset: str
    metric: str  # key of RunResult.metrics compared with the band, e.g. "test_acc"
    run: Callable[[Any, RunContext], RunResult]
    profiles: Mapping[str, Profile]
    higher_is_better: bool = True
    checkpoints: bool = True  # False for recipes that train no model (e.g. the 2-D optimizer traces)
    distributed: bool = False  # can train data-parallel over several processes (`dive run NAME --nproc N`)

    def config(self, profile: str) -> Any:
        from dive.core import UnknownNameError

        if profile not in self.profiles:
            raise UnknownNameError(
                f"recipe {self.name!r} has no profile {profile!r}; it has: {', '.join(self.profiles)}"
            )
        return self.profiles[profile].config


RECIPES: Registry[Recipe] = Registry("recipe")


def register(recipe: Recipe) -> Recipe:
    """Add a recipe to `RECIPES` (names are unique) and return it."""
    for required in ("book", "quick", "tiny"):
        if required not in recipe.profiles:
            raise ValueError(f"recipe {recipe.name!r} lacks the {required!r} profile")
    return RECIPES.add(recipe.name, recipe)
