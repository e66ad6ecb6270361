"""What a run does to its folder when things go wrong (issue 28): a refused resume writes nothing, two runs never
share a folder, leftovers of dead runs are cleaned, a failure before training leaves no empty folder."""

import os
import subprocess
import sys

import pytest

from dive.cli.main import main
from dive.cli.run import run_recipe
from dive.core import DiveError, FolderLock

SIDE_FILE_WRITERS = [
    "rnn",
    "transformer",
    "sentiment-textcnn",
    "nli-attention",
    "nli-bert",
    "bert-pretrain",
    "word2vec",
    "glove",
    "fasttext",
    "kaggle-house",
    "kaggle-cifar10",
    "lr-schedules",
    "ssd-raccoon",
    "fcn-camvid",
]


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", SIDE_FILE_WRITERS)
def test_a_refused_resume_writes_nothing_into_the_folder(name, tmp_path, capsys):
    run_recipe(name, "tiny", out=tmp_path, device="cpu", progress=False)
    before = snapshot(tmp_path)
    assert main(["run", name, "--profile", "tiny", "--quiet", "--out", str(tmp_path), "--resume", "--seed=7"]) == 2
    assert "config differs (seed: checkpoint 0, now 7)" in capsys.readouterr().err
    assert snapshot(tmp_path) == before  # vocabularies, vectors, checkpoint: byte for byte


def test_a_second_run_in_a_held_folder_refuses_naming_the_first(tmp_path, capsys):
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / ".dive.lock").write_text(f"{holder.pid} 2026-12-06 10:00:00\n")
        assert main(["run", "linreg", "--profile", "tiny", "--quiet", "--out", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert f"in use by another dive run (pid {holder.pid}" in err and "another --out" in err
        assert not (tmp_path / "history.jsonl").exists()
    finally:
        holder.kill()
        holder.wait()
    # the holder is gone: its lock is stale and the next run takes it over, then lets it go
    assert main(["run", "linreg", "--profile", "tiny", "--quiet", "--out", str(tmp_path)]) == 0
    assert not (tmp_path / ".dive.lock").exists() and (tmp_path / "summary.json").is_file()


def test_two_runs_started_together_one_refuses(tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "dive",
        "run",
        "softmax",
        "--profile",
        "tiny",
        "--quiet",
        "--out",
        str(tmp_path),
        "--max_epochs=30",
    ]  # fmt: skip  (~1 s of training: longer than the gap between two starts on a busy machine)
    env = {**os.environ, "DIVE_FULL_EXIT": "1"}
    procs = [subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(), p.stderr.read()) for p in procs]
    assert sorted(code for code, _ in results) == [0, 2], results
    assert any("in use by another dive run" in err for _, err in results)
    lines = (tmp_path / "history.jsonl").read_text().splitlines()
    assert all(line.startswith("{") and line.endswith("}") for line in lines)  # no interleaved, torn lines


def test_a_lock_is_taken_atomically_and_released(tmp_path):
    lock = FolderLock(tmp_path)
    with lock:
        assert (tmp_path / ".dive.lock").read_text().split()[0] == str(os.getpid())
        with pytest.raises(DiveError, match="in use"):  # another process's view: simulate with a live foreign pid
            (tmp_path / ".dive.lock").write_text(f"{os.getppid()} x\n")
            FolderLock(tmp_path).acquire()
        (tmp_path / ".dive.lock").write_text(f"{os.getpid()} x\n")
    assert not (tmp_path / ".dive.lock").exists()


def test_leftover_temporary_files_of_a_dead_writer_are_cleaned(tmp_path):
    run_recipe("linreg", "tiny", out=tmp_path, device="cpu", progress=False)
    (tmp_path / ".checkpoint.safetensors.x1y2.tmp").write_bytes(b"")  # what kill -9 mid-save leaves
    run_recipe("linreg", "tiny", ["max_epochs=3"], out=tmp_path, device="cpu", progress=False, resume=True)
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_failure_before_training_leaves_no_empty_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DIVE_DATA", str(tmp_path / "empty"))
    out = tmp_path / "never"
    assert main(["run", "lenet", "--quiet", "--out", str(out)]) == 2
    assert "not found" in capsys.readouterr().err and not out.exists()


def test_zero_epochs_is_refused_in_one_line(tmp_path, capsys):
    assert main(["run", "mlp", "--profile", "tiny", "--out", str(tmp_path / "x"), "--max_epochs=0"]) == 2
    assert "trains nothing" in capsys.readouterr().err and not (tmp_path / "x").exists()


def test_a_checkpoint_without_random_state_is_one_line_on_resume(tmp_path, capsys):
    import json

    from safetensors import safe_open
    from safetensors.torch import save_file

    run_recipe("linreg", "tiny", out=tmp_path, device="cpu", progress=False)
    ckpt = tmp_path / "checkpoint.safetensors"
    with safe_open(str(ckpt), "pt") as f:
        tensors, doc = {k: f.get_tensor(k) for k in f.keys()}, json.loads(f.metadata()["dive"])
    del doc["rng"]
    save_file(tensors, ckpt, metadata={"dive": json.dumps(doc)})
    assert main(["run", "linreg", "--profile", "tiny", "--out", str(tmp_path), "--resume", "--max_epochs=3"]) == 2
    assert "no usable random-number state" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["mlp", "mlp-scratch"])
def test_a_bad_activation_is_a_dive_error(name, tmp_path):
    import dive

    with pytest.raises(DiveError, match="activation"):
        dive.run(name, profile="tiny", out=str(tmp_path / name), activation="nope", show_pictures=False)


def test_control_characters_from_the_input_are_escaped_in_the_error_line(tmp_path, capsys):
    assert main(["predict", str(tmp_path / "\x1b[2Jrun")]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b[2Jrun" in err


def test_a_short_review_is_classified_by_the_textcnn(tmp_path, capsys):
    """Shorter than the widest kernel (5): padded, not a RuntimeError."""
    run_recipe("sentiment-textcnn", "tiny", out=tmp_path, device="cpu", progress=False)
    capsys.readouterr()
    assert main(["classify", str(tmp_path), "this movie is great"]) == 0
    assert capsys.readouterr().out.split()[0] in ("positive", "negative")


def test_dive_load_says_a_missing_checkpoint_is_missing(tmp_path):
    import dive

    run_recipe("linreg", "tiny", out=tmp_path, device="cpu", progress=False)
    (tmp_path / "checkpoint.safetensors").unlink()
    with pytest.raises(DiveError, match="checkpoint.safetensors is missing") as e:
        dive.load(tmp_path)
    assert "trains no model" not in str(e.value) and "/tmp/" in str(e.value)


def test_a_huge_unknown_word_is_cut_in_the_error(tmp_path, capsys):
    run_recipe("word2vec", "tiny", out=tmp_path, device="cpu", progress=False)
    assert main(["similar", str(tmp_path), "x" * 120_000]) == 2
    err = capsys.readouterr().err
    assert len(err) < 500 and "120,000 characters" in err


def test_interrupting_a_prediction_does_not_suggest_resume(monkeypatch, capsys):
    import dive.cli.text

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(dive.cli.text, "cmd_generate", interrupted)
    monkeypatch.setattr("dive.cli.predict.predict_as", interrupted)
    assert main(["generate", "runs/x"]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "--resume" not in err
