"""Kill a real `dive run` with SIGKILL in the middle of an epoch, resume it, and get the same weights bit for bit.

The kill is made deterministic by wrapping the checkpoint callback in the child process: right after the
checkpoint of step `KILL_AFTER` is written and a few more steps have run, the process SIGKILLs itself (no cleanup,
no flush, exactly like an OOM kill). The recipe is dropout-scratch, so the resume must restore the global RNG too.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
import torch

from dive.train import read_checkpoint

CHILD = """
import os, signal, sys
from dive.train.callbacks import Checkpoint
orig = Checkpoint.on_batch_end
def on_batch_end(self, trainer, state):
    orig(self, trainer, state)
    if state.step == {kill_at}:
        os.kill(os.getpid(), signal.SIGKILL)
Checkpoint.on_batch_end = on_batch_end
from dive.cli.main import main
sys.exit(main(sys.argv[1:]))
"""

ARGS = ["run", "dropout-scratch", "--profile", "tiny", "--quiet", "--max_epochs=3", "--ckpt_every=3", "--log_every=1"]


def _run(args, kill_at=None):
    code = (
        CHILD.format(kill_at=kill_at)
        if kill_at
        else "import sys; from dive.cli.main import main; sys.exit(main(sys.argv[1:]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=300)


def _epochs(path):
    keep = ("epoch", "step", "train_loss", "train_acc", "test_loss", "test_acc")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return [{k: r[k] for k in keep} for r in records if r["kind"] == "epoch"], [
        r for r in records if r["kind"] == "step"
    ]


@pytest.mark.slow
@pytest.mark.parametrize("extra", [[], ["--hflip=true"]], ids=["plain", "random-flips"])
def test_sigkill_mid_epoch_then_resume_is_bit_identical(tmp_path, extra):
    # with random flips the batches' augmentation must come back too: drawn from (seed, epoch, batch), not the RNG
    ARGS = [*globals()["ARGS"], *extra]
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    done = _run([*ARGS, "--out", str(whole)])
    assert done.returncode == 0, done.stderr

    # 8 batches per epoch: step 13 is batch 5 of epoch 2; the last checkpoint before it is step 12
    killed = _run([*ARGS, "--out", str(broken)], kill_at=13)
    assert killed.returncode == -signal.SIGKILL
    _, meta = read_checkpoint(broken / "checkpoint.safetensors")
    assert meta["fit_state"]["step"] == 12 and meta["fit_state"]["batch"] == 4 and meta["fit_state"]["epoch"] == 1

    resumed = _run([*ARGS, "--out", str(broken), "--resume"])
    assert resumed.returncode == 0, resumed.stderr

    a, _ = read_checkpoint(whole / "checkpoint.safetensors")
    b, _ = read_checkpoint(broken / "checkpoint.safetensors")
    weights = [k for k in a if k.startswith("model.")]
    assert weights and all(torch.equal(a[k], b[k]) for k in weights)
    assert all(torch.equal(a[k], b[k]) for k in a if k.startswith("optim."))

    epochs_a, steps_a = _epochs(whole / "history.jsonl")
    epochs_b, steps_b = _epochs(broken / "history.jsonl")
    assert epochs_a == epochs_b  # same metrics, exactly, including the epoch that was cut in two
    assert [s["step"] for s in steps_b] == list(range(1, 25))  # the step written before the kill was not doubled
    assert [s["loss"] for s in steps_a] == [s["loss"] for s in steps_b]


@pytest.mark.slow
def test_resume_refuses_a_different_config(tmp_path):
    out = tmp_path / "run"
    assert _run(["run", "softmax", "--profile", "tiny", "--quiet", "--out", str(out)]).returncode == 0
    bad = _run(["run", "softmax", "--profile", "tiny", "--quiet", "--out", str(out), "--resume", "--lr=0.5"])
    assert bad.returncode == 2 and "config differs" in bad.stderr and "lr" in bad.stderr
    more = _run(["run", "softmax", "--profile", "tiny", "--quiet", "--out", str(out), "--resume", "--max_epochs=3"])
    assert more.returncode == 0, more.stderr
    _, meta = read_checkpoint(out / "checkpoint.safetensors")
    assert meta["fit_state"]["epoch"] == 3


@pytest.mark.slow
def test_a_detector_with_box_augmentation_resumes_bit_identical(tmp_path):
    """ssd-raccoon (tiny: 48 images, batch 16): zoom/crop/flip draws come back after a kill in epoch 2."""
    args = ["run", "ssd-raccoon", "--profile", "tiny", "--quiet", "--max_epochs=2", "--augment=true",
            "--ckpt_every=2", "--log_every=1"]  # fmt: skip
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    assert _run([*args, "--out", str(whole)]).returncode == 0
    killed = _run([*args, "--out", str(broken)], kill_at=5)  # 3 batches an epoch: checkpoint of step 4 = epoch 2
    assert killed.returncode == -signal.SIGKILL
    _, meta = read_checkpoint(broken / "checkpoint.safetensors")
    assert (meta["fit_state"]["step"], meta["fit_state"]["epoch"], meta["fit_state"]["batch"]) == (4, 1, 1)
    resumed = _run([*args, "--out", str(broken), "--resume"])
    assert resumed.returncode == 0, resumed.stderr
    a, _ = read_checkpoint(whole / "checkpoint.safetensors")
    b, _ = read_checkpoint(broken / "checkpoint.safetensors")
    assert all(torch.equal(a[k], b[k]) for k in a if k.startswith(("model.", "optim.")))
    sa, sb = (json.loads((d / "summary.json").read_text())["metrics"] for d in (whole, broken))
    assert sa["valid_map50"] == sb["valid_map50"] and sa["train_cls_err"] == sb["train_cls_err"]


@pytest.mark.slow
def test_a_split_batch_run_resumes_bit_identical(tmp_path):
    """lenet splits each batch over two threads by default: a kill mid-epoch and a resume give the same weights."""
    args = ["run", "lenet", "--profile", "tiny", "--quiet", "--max_epochs=2", "--ckpt_every=3", "--split=2"]
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    assert _run([*args, "--out", str(whole)]).returncode == 0
    assert _run([*args, "--out", str(broken)], kill_at=11).returncode == -signal.SIGKILL  # 8 batches an epoch
    _, meta = read_checkpoint(broken / "checkpoint.safetensors")
    assert meta["fit_state"]["step"] == 9 and meta["fit_state"]["epoch"] == 1
    resumed = _run([*args, "--out", str(broken), "--resume"])
    assert resumed.returncode == 0, resumed.stderr
    a, _ = read_checkpoint(whole / "checkpoint.safetensors")
    b, _ = read_checkpoint(broken / "checkpoint.safetensors")
    assert all(torch.equal(a[k], b[k]) for k in a if k.startswith(("model.", "optim.")))
    assert _epochs(whole / "history.jsonl")[0] == _epochs(broken / "history.jsonl")[0]
