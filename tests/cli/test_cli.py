"""End-to-end runs of the `dive` command, in-process (fast) and as a real subprocess (the installed entry point)."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from dive.cli.main import main
from dive.cli.run import band_verdict


def test_list_shows_every_recipe_with_bands(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for word in ("softmax-scratch", "kaggle-house", "4.4", "fashion-mnist", "0.81-0.85", "quick min"):
        assert word in out


def test_run_writes_summary_and_prints_the_book_line(tmp_path, capsys):
    assert main(["run", "softmax", "--profile", "tiny", "--quiet", "--out", str(tmp_path), "--max-epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "train acc" in out and "examples/sec on cpu" in out
    summary = json.loads((tmp_path / "summary.json").read_text())
    for key in ("recipe", "profile", "config", "metrics", "examples_per_sec", "device", "wall_seconds", "versions"):
        assert key in summary
    assert summary["config"]["max_epochs"] == 1 and summary["recipe"] == "softmax"


@pytest.mark.parametrize(
    ("value", "higher_is_better", "verdict"),
    [(0.85, True, "within"), (0.885, True, "better than"), (0.80, True, "OUTSIDE"), (0.1, False, "better than")],
)
def test_band_verdict_says_better_than_past_the_good_end(value, higher_is_better, verdict):
    assert band_verdict(value, (0.81, 0.88) if higher_is_better else (0.2, 0.3), higher_is_better) == verdict


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "sofmax"], "did you mean softmax"),
        (["run", "softmax", "--lrr=1"], "unknown config key 'lrr'"),
        (["run", "softmax", "--lr=fast"], "bad value 'fast' for lr"),
        (["run", "softmax", "--profile", "huge"], "no profile 'huge'"),
        (["run", "softmax", "--device", "tpu"], "unknown device"),
        (["run", "softmax", "--lr"], "has no value"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(argv, message, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.startswith("dive: error:")


def test_missing_data_names_where_it_looked(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DIVE_DATA", str(tmp_path / "nowhere"))
    assert main(["run", "softmax", "--quiet", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "'fashion-mnist' not found" in err and str(tmp_path / "nowhere") in err


def test_corrupt_data_fails_its_hash_check(tmp_path, monkeypatch, capsys, data_root):
    bad = tmp_path / "data" / "fashion-mnist"
    shutil.copytree(data_root / "fashion-mnist", bad)
    labels = bad / "t10k-labels-idx1-ubyte.gz"
    os.chmod(labels, 0o644)
    labels.write_bytes(labels.read_bytes()[:-100])  # truncated
    monkeypatch.setenv("DIVE_DATA", str(tmp_path / "data"))
    assert main(["run", "softmax", "--quiet", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "corrupt" in err and "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5" in err


def test_nan_loss_stops_with_a_message_and_keeps_the_checkpoint(tmp_path, capsys):
    argv = ["run", "softmax", "--profile", "tiny", "--quiet", "--out", str(tmp_path), "--max_epochs=1"]
    assert main(argv) == 0
    assert main([*argv, "--max_epochs=3", "--lr=1e38", "--sigma=1e19"]) == 2
    err = capsys.readouterr().err
    assert "loss became" in err and "smaller learning rate" in err
    assert (tmp_path / "checkpoint.safetensors").exists()


def test_data_command_reports_datasets(capsys, data_root):
    status = main(["data", "--data", str(data_root)])
    out = capsys.readouterr().out
    assert "fashion-mnist" in out and "sha256 verified" in out and status == 0


@pytest.mark.slow
def test_installed_entry_point_runs(tmp_path):
    exe = shutil.which("dive", path=os.path.dirname(sys.executable)) or shutil.which("dive")
    cmd = [exe] if exe else [sys.executable, "-m", "dive"]
    done = subprocess.run(
        [*cmd, "run", "linreg", "--profile", "tiny", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "error in estimating w" in done.stdout


def test_summary_prints_shapes_and_parameter_count(capsys):
    assert main(["summary", "lenet", "--input", "1x1x28x28"]) == 0
    out = capsys.readouterr().out
    assert "(1, 16, 5, 5)" in out and "61,706" in out


def test_summary_errors_are_one_line(capsys):
    assert main(["summary", "alexnet", "--input", "1x1x28x28"]) == 2
    assert "cannot take input 1x1x28x28" in capsys.readouterr().err
    assert main(["summary", "lenet", "--input", "28by28"]) == 2
    assert main(["summary", "lenett"]) == 2


def test_an_explicit_data_root_that_does_not_exist_or_lacks_the_data_is_an_error(tmp_path, capsys, data_root):
    # $DIVE_DATA holds fashion-mnist (the data_root fixture), so a silent fall-back would train
    out = str(tmp_path / "run")
    assert main(["run", "mlp", "--profile", "quick", "--quiet", "--out", out, "--data", "/nonexistent"]) == 2
    err = capsys.readouterr().err
    assert "--data /nonexistent: no such folder" in err and len(err.strip().splitlines()) == 1
    (tmp_path / "empty").mkdir()
    assert main(["run", "mlp", "--profile", "quick", "--quiet", "--out", out, "--data", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err
    assert "'fashion-mnist' not found in the data root" in err and "no such folder" in err
    assert not (tmp_path / "run" / "checkpoint.safetensors").exists()
    assert main(["data", "--data", "/nonexistent"]) == 2


def test_resume_without_a_checkpoint_says_so(tmp_path, capsys):
    argv = ["run", "softmax", "--profile", "tiny", "--quiet", "--out", str(tmp_path / "new"), "--resume"]
    assert main(argv) == 2
    assert "no checkpoint in" in capsys.readouterr().err
    assert main(["run", "optim-traces", "--profile", "tiny", "--quiet", "--out", str(tmp_path), "--resume"]) == 2
    assert "writes no checkpoint" in capsys.readouterr().err


def test_resume_onto_another_recipes_or_configs_checkpoint_is_one_sentence(tmp_path, capsys):
    base = ["--profile", "tiny", "--quiet", "--out", str(tmp_path), "--max_epochs=1"]
    assert main(["run", "mlp", *base]) == 0
    capsys.readouterr()
    assert main(["run", "softmax", *base, "--resume"]) == 2
    err = capsys.readouterr().err
    assert "this checkpoint is from recipe mlp (" in err and "num_hiddens=" in err and "not softmax" in err
    assert "state_dict" not in err and len(err.strip().splitlines()) == 1
    assert main(["run", "mlp", *base, "--resume", "--num_hiddens=8"]) == 2  # weights of another shape
    err = capsys.readouterr().err
    assert "the config differs (num_hiddens" in err and "size mismatch" not in err


def test_every_benchmark_registers_its_own_flags_and_the_shared_ones():
    from dive.cli.bench import BENCHES
    from dive.cli.main import build_parser

    parser = build_parser()
    for name in BENCHES.names():
        args = parser.parse_args(["bench", name, "--rounds", "2", "--json", "x.json"])
        assert args.target == name and args.rounds == 2 and args.json == "x.json" and args.func is not None
    assert parser.parse_args(["bench", "lenet", "--variants", "dive"]).variants == "dive"
    with pytest.raises(SystemExit):  # a flag of another benchmark is refused
        parser.parse_args(["bench", "compile", "--variants", "dive"])


def test_the_command_reaches_recipes_only_through_the_registry_api():
    """cli/ imports `dive.recipes` (RECIPES, load_trained, predict, export), never a recipe module."""
    import re
    from pathlib import Path

    import dive.cli

    for path in Path(dive.cli.__file__).parent.glob("*.py"):
        assert not re.search(r"from dive\.recipes\.\w+ import|import dive\.recipes\.\w+", path.read_text()), path
