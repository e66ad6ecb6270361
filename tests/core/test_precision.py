"""What `--precision` runs as, on whatever CPU the suite runs on, and on CPUs it can only pretend to be.

Every assertion here holds on every CPU: where bf16 runs natively the bf16 ones, where it cannot (AVX2 only, or
ONEDNN_MAX_CPU_ISA=AVX2 as CI sets for a second pass) the fallback's. No test skips for want of a CPU feature.
"""

import json
import os
import subprocess
import sys

import pytest
import torch
from torch import nn

from dive.core import precision as P
from dive.core.precision import CpuSupport, cpu_support, fp32_layers, layer_runs, precision_plan
from dive.data import SequentialSeqLoader
from dive.models import RNNLM
from dive.train import SequenceStep, Trainer, sequence_loss

pytestmark = pytest.mark.isa


def _pretend(monkeypatch, **kw):
    fake = CpuSupport(**{"name": "bf16", "kernels": True, "native": True, "failing": (), **kw})
    monkeypatch.setattr(P, "cpu_support", lambda name: fake)


def test_fp32_is_fp32_and_an_unknown_name_is_refused():
    assert precision_plan("fp32") == P.PrecisionPlan("fp32", "fp32")
    with pytest.raises(ValueError, match="unknown precision 'fp8'"):
        precision_plan("fp8")


def test_a_cpu_without_onednn_bf16_kernels_trains_in_fp32_and_says_which_feature_and_flag(monkeypatch):
    _pretend(monkeypatch, kernels=False, native=False, failing=("LSTM",))
    plan = precision_plan("bf16", "cpu")
    assert plan.effective == "fp32" and plan.dtype is None and plan.fp32_layers == ()
    assert "AVX512-BF16 or AMX-BF16" in plan.note and "drop --precision bf16" in plan.note
    assert "\n" not in plan.note


def test_emulated_bf16_keeps_bf16_and_warns_it_is_slow(monkeypatch):
    _pretend(monkeypatch, native=False)
    plan = precision_plan("bf16", "cpu")
    assert plan.effective == "bf16" and "emulated" in plan.note and "slower than fp32" in plan.note


def test_a_layer_without_a_kernel_runs_in_fp32_and_the_rest_stays_low_precision(monkeypatch):
    _pretend(monkeypatch, failing=("LSTM",))
    plan = precision_plan("bf16", "cpu")
    assert plan.effective == "bf16" and plan.fp32_layers == ("LSTM",) and "nn.LSTM" in plan.note
    _pretend(monkeypatch)
    assert precision_plan("bf16", "cpu").note is None  # native, every layer fine: nothing to say


def test_fp32_layers_turns_autocast_off_inside_those_layers_only_and_restores_them():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), nn.RNN(4, 4, batch_first=True))
    X = torch.randn(2, 3, 4)
    with fp32_layers(model, ("RNN",)) as n, torch.autocast("cpu", dtype=torch.bfloat16):
        h = model[0](X)
        y, state = model[1](h)
    assert n == 1 and h.dtype == torch.bfloat16  # the Linear still in bf16 ...
    assert y.dtype == torch.float32 and state.dtype == torch.float32  # ... the RNN in fp32
    assert "forward" not in model[1].__dict__  # restored
    with pytest.raises(RuntimeError, match="boom"), fp32_layers(model, ("RNN",)):
        raise RuntimeError("boom")
    assert "forward" not in model[1].__dict__  # restored on an error too


def test_the_probe_agrees_with_onednn_about_this_cpu():
    # onednn's own feature query and a real bf16 LSTM step tell the same story, whichever CPU this is
    bf16 = cpu_support("bf16")
    assert bf16.kernels == bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    assert layer_runs(nn.LSTM, torch.bfloat16) == bf16.kernels
    assert ("LSTM" in bf16.failing) == (not bf16.kernels)
    assert not bf16.native or bf16.kernels
    plan = precision_plan("bf16")
    assert plan.effective == ("bf16" if bf16.kernels else "fp32")


def _lstm_fit(precision):
    corpus = torch.arange(600) % 7
    torch.manual_seed(0)
    model = RNNLM(7, 8, "lstm")
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    step = SequenceStep(sequence_loss)
    trainer = Trainer(model, None, opt, step=step, max_epochs=1, clip_grad_norm=1.0, precision=precision)
    state = trainer.fit(SequentialSeqLoader(corpus, 4, 8, random_offset=False))
    return trainer, model, state


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_an_lstm_trains_under_low_precision_on_every_cpu(precision):
    _, m32, s32 = _lstm_fit("fp32")
    trainer, m16, s16 = _lstm_fit(precision)
    assert trainer.plan.requested == precision and trainer.precision in (precision, "fp32")
    assert abs(s16.metrics["train_loss"] - s32.metrics["train_loss"]) < 0.1
    weights_equal = all(torch.equal(p, q) for p, q in zip(m32.parameters(), m16.parameters()))
    if trainer.precision == "fp32":  # the fallback: exactly the fp32 run
        assert weights_equal and trainer.plan.note
    elif "LSTM" in trainer.plan.fp32_layers:  # the LSTM in fp32, its output layer in low precision
        assert not weights_equal
    else:  # really ran in low precision: rounding differs
        assert not weights_equal


@pytest.mark.slow
def test_dive_run_lstm_bf16_under_an_avx2_cpu_finishes_in_fp32_with_one_note(tmp_path):
    env = {**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX2"}  # oneDNN then has no bf16 kernels, as on an AVX2-only CPU
    cmd = [sys.executable, "-m", "dive.cli.main", "run", "lstm", "--profile", "tiny", "--precision", "bf16"]
    done = subprocess.run([*cmd, "--quiet", "--out", str(tmp_path)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stderr.splitlines() if "runs as fp32" in line]
    assert len(notes) == 1 and "drop --precision bf16" in notes[0] and "primitive" not in done.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["precision"] == "fp32" and summary["precision_requested"] == "bf16"
