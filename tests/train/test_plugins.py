"""The trainer's execution plugins: fp16 with its gradient scaler, gradient accumulation, one loop body."""

import inspect

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import dive.train.plugins.precision as prec
from dive.core import ConfigError
from dive.core.precision import CpuSupport, PrecisionPlan
from dive.data import ArrayLoader
from dive.train import Checkpoint, Trainer, load_checkpoint
from dive.train.trainer import Trainer as TrainerClass


def _mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))


def _data(n=20, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 5, generator=g), torch.randint(0, 3, (n,), generator=g)


@pytest.fixture
def fp16_cpu(monkeypatch):
    """fp16 autocast on this CPU whatever its features (the scaler's logic is what is tested, not the speed)."""
    monkeypatch.setattr(prec, "cpu_support", lambda name: CpuSupport(name, True, True, ()))
    monkeypatch.setattr(prec, "precision_plan", lambda p, d: PrecisionPlan(p, p))


def test_accumulated_gradients_make_the_step_of_the_larger_batch(f64):
    """20 examples: batches of 4 accumulated 3 at a time step on 12 then on the last 8, as batches of 12 do."""
    x, y = _data()
    weights, steps = [], []
    for batch, accumulate in ((4, 3), (12, 1)):
        model = _mlp().double()
        opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
        trainer = Trainer(model, F.cross_entropy, opt, max_epochs=2, accumulate=accumulate)
        state = trainer.fit(ArrayLoader(x.double(), y, batch_size=batch, shuffle=False))
        weights.append(torch.cat([p.detach().flatten() for p in model.parameters()]))
        steps.append(state.step)
    assert steps == [4, 4]  # optimizer steps, not batches
    assert torch.allclose(weights[0], weights[1], atol=1e-12)


def test_fp16_skips_an_overflowing_step_and_halves_the_scale(fp16_cpu):
    x, y = _data(8)
    x[4:] = 2e3  # the second batch: a finite loss, but its scaled gradients overflow fp16 (max 65,504)
    model = _mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    trainer = Trainer(model, F.cross_entropy, opt, max_epochs=1, precision="fp16")
    seen = []

    class Watch(Checkpoint):
        def __init__(self):
            pass

        def on_batch_end(self, trainer, state):
            seen.append(([p.detach().clone() for p in model.parameters()], trainer.amp.scaler.get_scale()))

        def on_epoch_end(self, trainer, state):
            pass

        def on_fit_end(self, trainer, state):
            pass

    trainer.callbacks = [Watch()]
    trainer.fit(ArrayLoader(x, y, batch_size=4, shuffle=False))
    (after_first, scale_1), (after_second, scale_2) = seen
    assert scale_1 == 65536.0 and scale_2 == 32768.0 and trainer.amp.skipped == 1
    assert all(torch.equal(a, b) for a, b in zip(after_first, after_second))  # the overflowing step was skipped


def test_fp16_resumes_with_the_scalers_state_exactly(fp16_cpu, tmp_path):
    x, y = _data(16)
    x[4:8] = 2e3  # one overflow in each epoch: the scale moves, so a resume must restore it

    def fit(epochs, state=None, path=None):
        model = _mlp()
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        trainer = Trainer(model, F.cross_entropy, opt, max_epochs=epochs, precision="fp16")
        if path is not None:
            trainer.callbacks = [Checkpoint(path)]
        if state == "resume":
            state, _ = load_checkpoint(path, model, opt)
        trainer.fit(ArrayLoader(x, y, batch_size=4, shuffle=True, seed=3), state=state)
        return model, trainer

    whole, t_whole = fit(3)
    fit(2, path=tmp_path / "c.safetensors")
    resumed, t_resumed = fit(3, state="resume", path=tmp_path / "c.safetensors")
    assert t_whole.amp.skipped > 0 and t_whole.amp.scaler.get_scale() < 2.0**16  # the scale moved
    assert t_whole.plugin_state() == t_resumed.plugin_state()
    assert all(torch.equal(a, b) for a, b in zip(whole.parameters(), resumed.parameters()))


def test_fp16_where_this_cpu_emulates_it_is_refused_in_one_line(monkeypatch):
    monkeypatch.setattr(prec, "cpu_support", lambda name: CpuSupport(name, True, False, ()))
    with pytest.raises(ConfigError, match="fp16 is emulated on this CPU.*use --precision bf16"):
        Trainer(_mlp(), F.cross_entropy, torch.optim.SGD(_mlp().parameters(), lr=0.1), max_epochs=1, precision="fp16")


def test_the_trainer_has_one_loop_body_and_names_no_strategy():
    source = inspect.getsource(TrainerClass._train_epoch)
    assert source.count("for batch in") == 1 and "_LATER" not in source
    for word in ("autocast", "GradScaler", "DistributedDataParallel", "torch.compile", "BatchSplit"):
        assert word not in inspect.getsource(TrainerClass.fit) + source
