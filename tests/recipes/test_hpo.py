"""Chapter 19 on dive's recipes: a promoted trial continues exactly, the searches write their pictures."""

from dataclasses import replace

from safetensors.torch import load_file

from dive.recipes.hpo import HPOConfig, TrialRunner


def test_a_promoted_trial_continued_from_rung_4_to_8_equals_one_trained_to_8(tmp_path):
    cfg = replace(HPOConfig(), synthetic=True, batch_size=64)
    runner = TrialRunner(cfg, tmp_path, None)
    job = {"lr": 0.3, "batch_size": 64}
    runner({**job, "trial": 0, "max_epochs": 4})
    continued = runner({**job, "trial": 0, "max_epochs": 8})  # the promotion: 4 more epochs from the checkpoint
    direct = runner({**job, "trial": 1, "max_epochs": 8})
    a, b = (load_file(tmp_path / f"trial-00{i}" / "checkpoint.safetensors") for i in (0, 1))
    assert continued == direct
    assert all((a[k] == b[k]).all() for k in a if k.startswith("model."))


def test_successive_halving_writes_its_rungs_and_trials_are_ordinary_runs(tmp_path):
    import dive

    r = dive.run("hpo-sh", profile="tiny", out=str(tmp_path / "sh"))
    assert (tmp_path / "sh" / "rungs.png").is_file() and (tmp_path / "sh" / "incumbent.png").is_file()
    assert r.metrics["jobs"] == 7 and 0 <= r.metrics["best_error"] <= 1
    trial = next((tmp_path / "sh" / "trials").iterdir())
    assert dive.load(trial) is not None  # a trial folder is a lenet run: it loads like one
