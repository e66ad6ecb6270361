"""`dive sweep`: checked before any trial, trials as run folders, a diverging trial recorded as failed, a worker
killed mid-trial finished by --resume from its checkpoint, and the Python API's table."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

pytest.importorskip("optuna")

from dive.cli.main import main  # noqa: E402
from dive.cli.study import parse_param  # noqa: E402
from dive.core import ConfigError  # noqa: E402

SEARCH = ["--param", "lr=loguniform:0.01:0.5", "--param", "batch_size=int:4:32"]


@pytest.mark.parametrize(("text", "words"), [
    ("lr=loguniform:0:1", "log scale needs low > 0"), ("lr=float:1:0.5", "must be below"),
    ("lr=uniform:0:1", "NAME=KIND:LOW:HIGH"), ("lr", "NAME=KIND:LOW:HIGH"), ("n=int:1.5:3", "whole-number"),
    ("cell=choice:gru", "at least two"), ("lr=float:a:b", "two numbers"),
])  # fmt: skip
def test_a_bad_param_is_one_line(text, words):
    with pytest.raises(ConfigError, match=words):
        parse_param(text)


@pytest.mark.parametrize(("args", "words"), [
    (["nope", *SEARCH], "unknown recipe"), (["linreg", "--param", "lrr=float:0.1:1"], "no such field"),
    (["linreg", "--param", "batch_size=float:1:9"], "an integer"), (["linreg"], "at least one --param"),
    (["linreg", *SEARCH, "--metric", "speed"], "--metric 'speed'"),
])  # fmt: skip
def test_bad_sweeps_are_refused_before_any_trial(args, words, tmp_path, capsys):
    assert main(["sweep", *args, "--profile", "tiny", "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1
    assert not (tmp_path / "s" / "trial-000").exists()


def test_a_sweep_with_two_workers_writes_trials_a_table_and_the_best_command(tmp_path, capsys):
    out = tmp_path / "s"
    assert main(["sweep", "linreg", "--profile", "tiny", *SEARCH, "--trials", "4", "--workers", "2",
                 "--out", str(out), "--max_epochs=2"]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "repeat it: dive run linreg --profile tiny --max_epochs=2 --lr=" in printed
    import pandas as pd

    table = pd.read_csv(out / "trials.csv")
    assert len(table) == 4 and set(table["state"]) == {"COMPLETE"} and table["number"].is_unique
    assert all((out / f / "summary.json").is_file() for f in table["folder"])  # each trial: an ordinary run
    assert (out / "incumbent.png").is_file() and (out / "trials.png").is_file()
    assert main(["sweep", "linreg", "--profile", "tiny", *SEARCH, "--out", str(out)]) == 2  # exists: say --resume
    assert "--resume" in capsys.readouterr().err


def test_a_diverging_trial_is_failed_with_its_reason_and_the_python_api_returns_the_table(tmp_path):
    import dive

    table = dive.sweep("linreg", {"lr": "loguniform:1e6:1e8"}, profile="tiny", trials=2, out=tmp_path / "s")
    assert list(table["state"]) == ["FAIL", "FAIL"] and all("diverged" in r for r in table["reason"])


@pytest.mark.slow
def test_a_worker_killed_mid_trial_is_finished_by_resume_from_its_checkpoint(tmp_path):
    out = tmp_path / "s"
    cmd = [sys.executable, "-m", "dive", "sweep", "lenet", "--profile", "tiny", "--param", "lr=loguniform:0.1:1",
           "--trials", "2", "--out", str(out), "--max_epochs=40", "--batch_size=64"]  # fmt: skip
    env = {**os.environ, "DIVE_SWEEP_GRACE": "1"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ckpt = out / "trial-000" / "checkpoint.safetensors"
    deadline = time.time() + 120
    while not ckpt.exists() and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # a few epochs in, not finished
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    history = (out / "trial-000" / "history.jsonl").read_text().splitlines()
    killed_at = max(json.loads(r)["epoch"] for r in history if '"kind": "epoch"' in r)
    assert killed_at < 40
    time.sleep(2)  # past the grace period: the trial's worker is dead
    done = subprocess.run([*cmd, "--resume"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    import pandas as pd

    table = pd.read_csv(out / "trials.csv")
    completed = table[table["state"] == "COMPLETE"]
    assert len(completed) == 2 and (table["state"] == "FAIL").sum() == 1  # the killed one, then its retry
    assert list(completed["folder"]).count("trial-000") == 1  # the retry ran in the killed trial's folder
    epochs = [json.loads(r)["epoch"] for r in (out / "trial-000" / "history.jsonl").read_text().splitlines()
              if '"kind": "epoch"' in r]  # fmt: skip
    assert epochs == list(range(1, 41))  # continued from the checkpoint: no epoch trained twice
