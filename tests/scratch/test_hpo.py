"""The book's HPO API from scratch (§19.1-19.5) on a function whose optimum is known."""

import math
import random

from dive.scratch.hpo import (
    ASHAScheduler,
    BasicScheduler,
    HPOTuner,
    LogUniform,
    RandInt,
    RandomSearcher,
    SuccessiveHalvingScheduler,
    rung_levels,
)


def test_domains_and_the_initial_configuration_first():
    rng = random.Random(0)
    assert all(1e-3 <= LogUniform(1e-3, 1).sample(rng) <= 1 for _ in range(100))
    assert {RandInt(1, 3).sample(rng) for _ in range(200)} == {1, 2, 3}
    s = RandomSearcher({"lr": LogUniform(0.01, 1)}, initial_config={"lr": 0.1})
    assert s.sample_configuration() == {"lr": 0.1} and s.sample_configuration() != {"lr": 0.1}


def test_the_books_rungs():
    assert rung_levels(2, 2, 10) == [2, 4, 8, 10]  # book §19.4: eta 2, r_min 2, r_max 10
    assert rung_levels(3, 1, 27) == [1, 3, 9, 27]


def error_of(job):  # best at lr 0.1; more epochs always help a little
    return abs(math.log10(job["lr"]) + 1) + 1 / job.get("max_epochs", 10)


def test_random_search_keeps_the_incumbent_and_its_trajectory():
    tuner = HPOTuner(BasicScheduler(RandomSearcher({"lr": LogUniform(1e-3, 1)}, seed=1)), error_of)
    tuner.run(20)
    assert len(tuner.records) == 20 and tuner.incumbent_error == min(r["error"] for r in tuner.records)
    assert tuner.incumbent_trajectory == sorted(tuner.incumbent_trajectory, reverse=True)


def test_successive_halving_runs_the_rounds_the_book_describes():
    sh = SuccessiveHalvingScheduler(RandomSearcher({"lr": LogUniform(1e-3, 1)}, seed=2), eta=2, r_min=2, r_max=10)
    tuner = HPOTuner(sh, error_of)
    tuner.run(8 + 4 + 2 + 1)  # one round: 8 configurations at 2 epochs, 4 at 4, 2 at 8, 1 at 10
    budgets = [r["max_epochs"] for r in tuner.records]
    assert budgets == [2] * 8 + [4] * 4 + [8] * 2 + [10]
    first = sorted(tuner.records[:8], key=lambda r: r["error"])[:4]
    assert {r["trial"] for r in tuner.records[8:12]} == {r["trial"] for r in first}  # the best half went on


def test_asha_promotes_without_waiting_and_keeps_trial_ids():
    asha = ASHAScheduler(RandomSearcher({"lr": LogUniform(1e-3, 1)}, seed=3), eta=2, r_min=2, r_max=10)
    tuner = HPOTuner(asha, error_of)
    tuner.run(30)
    promoted = [r for r in tuner.records if r["max_epochs"] > 2]
    assert promoted and all(r["trial"] < asha.trials for r in promoted)
    assert max(r["max_epochs"] for r in tuner.records) == 10


def _objective(job):  # module level: picklable for the worker processes
    return error_of(job)


def test_the_asynchronous_tuner_runs_jobs_on_worker_processes():
    tuner = HPOTuner(BasicScheduler(RandomSearcher({"lr": LogUniform(1e-3, 1)}, seed=4)), _objective)
    tuner.run_async(6, workers=2)
    assert len(tuner.records) == 6 and sorted(r["trial"] for r in tuner.records) == list(range(6))
