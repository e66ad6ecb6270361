"""Hyperparameter optimization from scratch (book §19.1-19.5), with the book's names: a *searcher* proposes
configurations, a *scheduler* decides what runs next and with what budget, a *tuner* runs trials and keeps the
incumbent (the best configuration so far) and its trajectory against wall-clock time.

- Domains: `LogUniform(low, high)`, `Uniform(low, high)`, `RandInt(low, high)` (both ends included).
- `RandomSearcher(space, initial_config)` (§19.2.1): the initial configuration first, then independent draws.
- `BasicScheduler(searcher)` (§19.2.2): every configuration with the full budget.
- `SuccessiveHalvingScheduler(searcher, eta, r_min, r_max)` (§19.4.1): rungs r_min, r_min eta, ... and r_max;
  n = eta^K configurations start at r_min, the best 1/eta of each rung go on to the next. Each job carries its
  trial's id, so a promoted trial can continue from its checkpoint instead of starting over (the book retrains).
- `ASHAScheduler` (§19.5): the asynchronous form: whenever a worker is free, promote a configuration in the top
  1/eta of its rung that has not gone on yet (highest rung first), else start a new one at r_min.
- `HPOTuner(scheduler, objective)`: `run(n)` synchronously; `run_async(n, workers)` keeps `workers` trials
  running in processes (§19.3's asynchronous random search, §19.5's ASHA).

A job is a dict: the configuration's values, "trial" (its id) and, for the multi-fidelity schedulers, the budget
under `resource` (e.g. "max_epochs"). `objective(job) -> validation error`.
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Uniform:
    low: float
    high: float

    def sample(self, rng: random.Random) -> float:
        return rng.uniform(self.low, self.high)


class LogUniform(Uniform):
    """Uniform in log space: each decade of [low, high] equally likely (learning rates, weight decays)."""

    def sample(self, rng: random.Random) -> float:
        return math.exp(rng.uniform(math.log(self.low), math.log(self.high)))


@dataclass(frozen=True)
class RandInt:
    low: int
    high: int

    def sample(self, rng: random.Random) -> int:
        return rng.randint(self.low, self.high)


class RandomSearcher:
    """Independent draws from `space` (name -> domain), after `initial_config` if given."""

    def __init__(self, space: Mapping[str, Any], initial_config: dict[str, Any] | None = None, seed: int = 0):
        self.space, self.initial, self.rng = dict(space), initial_config, random.Random(seed)

    def sample_configuration(self) -> dict[str, Any]:
        if self.initial is not None:
            config, self.initial = dict(self.initial), None
            return config
        return {name: domain.sample(self.rng) for name, domain in self.space.items()}

    def update(self, config: dict[str, Any], error: float, info: Any = None) -> None:
        pass  # random search learns nothing from results


class BasicScheduler:
    """Each new configuration as one trial with the full budget."""

    def __init__(self, searcher: RandomSearcher):
        self.searcher, self.trials = searcher, 0

    def suggest(self) -> dict[str, Any]:
        job = {**self.searcher.sample_configuration(), "trial": self.trials}
        self.trials += 1
        return job

    def update(self, job: dict[str, Any], error: float, info: Any = None) -> None:
        self.searcher.update(job, error, info)


def rung_levels(eta: int, r_min: int, r_max: int) -> list[int]:
    """r_min, r_min eta, ... below r_max, then r_max (book §19.4: eta 2, r 2..10 -> 2, 4, 8, 10)."""
    levels = [r_min * eta**k for k in range(int(math.floor(math.log(r_max / r_min, eta) + 1e-9)) + 1)]
    return levels if levels[-1] == r_max else [*levels, r_max]


class SuccessiveHalvingScheduler:
    """Synchronous successive halving; `resource` is the job key that carries the budget."""

    def __init__(self, searcher: RandomSearcher, eta: int, r_min: int, r_max: int, prefact: int = 1,
                 resource: str = "max_epochs"):  # fmt: skip
        self.searcher, self.eta, self.resource = searcher, eta, resource
        self.levels = rung_levels(eta, r_min, r_max)
        self.K = len(self.levels) - 1
        self.prefact = prefact
        self.queue: list[dict[str, Any]] = []
        self.observed: dict[int, list[tuple[dict[str, Any], float]]] = defaultdict(list)
        self.trials = 0

    def suggest(self) -> dict[str, Any]:
        if not self.queue:  # a new round: eta^K configurations at the lowest rung
            for _ in range(self.prefact * self.eta**self.K):
                job = {**self.searcher.sample_configuration(), "trial": self.trials, self.resource: self.levels[0]}
                self.trials += 1
                self.queue.append(job)
        return self.queue.pop(0)

    def update(self, job: dict[str, Any], error: float, info: Any = None) -> None:
        r = job[self.resource]
        self.searcher.update(job, error, info)
        k = self.levels.index(r)
        if k == self.K:
            return
        self.observed[k].append((job, error))
        n_k = self.prefact * self.eta ** (self.K - k)  # configurations that run at rung k in one round
        if len(self.observed[k]) >= n_k:  # the rung is full: its best 1/eta go on
            best = sorted(self.observed.pop(k), key=lambda je: je[1])[: max(1, n_k // self.eta)]
            self.queue = [{**j, self.resource: self.levels[k + 1]} for j, _ in best] + self.queue


class ASHAScheduler:
    """Asynchronous successive halving: no rung waits to fill."""

    def __init__(self, searcher: RandomSearcher, eta: int, r_min: int, r_max: int, resource: str = "max_epochs"):
        self.searcher, self.eta, self.resource = searcher, eta, resource
        self.levels = rung_levels(eta, r_min, r_max)
        self.results: dict[int, list[tuple[dict[str, Any], float]]] = defaultdict(list)
        self.promoted: dict[int, set[int]] = defaultdict(set)
        self.trials = 0

    def suggest(self) -> dict[str, Any]:
        for k in reversed(range(len(self.levels) - 1)):
            ranked = sorted(self.results[k], key=lambda je: je[1])
            for job, _ in ranked[: len(ranked) // self.eta]:
                if job["trial"] not in self.promoted[k]:
                    self.promoted[k].add(job["trial"])
                    return {**job, self.resource: self.levels[k + 1]}
        job = {**self.searcher.sample_configuration(), "trial": self.trials, self.resource: self.levels[0]}
        self.trials += 1
        return job

    def update(self, job: dict[str, Any], error: float, info: Any = None) -> None:
        self.searcher.update(job, error, info)
        self.results[self.levels.index(job[self.resource])].append((job, error))


@dataclass
class HPOTuner:
    """Run trials and keep the incumbent; `records` has one dict per finished job (job, error, seconds)."""

    scheduler: Any
    objective: Callable[[dict[str, Any]], float]
    incumbent: dict[str, Any] | None = None
    incumbent_error: float = math.inf
    incumbent_trajectory: list[float] = field(default_factory=list)
    cumulative_runtime: list[float] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)

    def run(self, number_of_trials: int, budget_seconds: float | None = None) -> None:
        """`number_of_trials` jobs, one after the other (book §19.2.3); none started after `budget_seconds`."""
        t0 = time.perf_counter()
        for _ in range(number_of_trials):
            if budget_seconds is not None and time.perf_counter() - t0 >= budget_seconds:
                break
            job = self.scheduler.suggest()
            error = self.objective(job)
            self._bookkeeping(job, error, time.perf_counter() - t0)

    def run_async(self, number_of_trials: int, workers: int, context: str = "spawn",
                  budget_seconds: float | None = None) -> None:  # fmt: skip
        """`number_of_trials` jobs on `workers` processes; a free worker gets the scheduler's next job at once;
        none started after `budget_seconds` (the running ones finish)."""
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        t0 = time.perf_counter()
        submitted = 0
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(context)) as pool:
            running = {}
            while submitted < number_of_trials or running:
                while submitted < number_of_trials and len(running) < workers:
                    if budget_seconds is not None and time.perf_counter() - t0 >= budget_seconds:
                        submitted = number_of_trials  # the budget is spent: start nothing more
                        break
                    job = self.scheduler.suggest()
                    running[pool.submit(self.objective, job)] = job
                    submitted += 1
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    job = running.pop(future)
                    self._bookkeeping(job, future.result(), time.perf_counter() - t0)

    def _bookkeeping(self, job: dict[str, Any], error: float, seconds: float) -> None:
        self.scheduler.update(job, error)
        self.records.append({**job, "error": error, "seconds": seconds})
        if error < self.incumbent_error:
            self.incumbent, self.incumbent_error = job, error
        self.incumbent_trajectory.append(self.incumbent_error)
        self.cumulative_runtime.append(seconds)
