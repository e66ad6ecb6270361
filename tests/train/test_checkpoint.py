import json
import random

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dive.data import ArrayLoader
from dive.train import (
    CheckpointError,
    FitState,
    Trainer,
    load_checkpoint,
    load_weights,
    read_checkpoint,
    save_checkpoint,
)


def _setup():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    return model, opt, sched


def test_round_trip_restores_model_optimizer_scheduler_rng_and_state(tmp_path):
    model, opt, sched = _setup()
    X, y = torch.randn(32, 4), torch.randn(32, 1)
    state = Trainer(model, F.mse_loss, opt, max_epochs=2, scheduler=sched).fit(ArrayLoader(X, y, batch_size=8))
    save_checkpoint(tmp_path / "c.safetensors", model, opt, sched, state, {"recipe": "x"})
    draws = (random.random(), np.random.rand(), torch.rand(2))

    model2, opt2, sched2 = _setup()
    state2, extra = load_checkpoint(tmp_path / "c.safetensors", model2, opt2, sched2)
    assert extra == {"recipe": "x"} and state2.step == state.step and state2.epoch == 2
    for p, q in zip(model.parameters(), model2.parameters()):
        assert torch.equal(p, q)
    s1, s2 = opt.state_dict(), opt2.state_dict()
    assert s1["param_groups"] == s2["param_groups"]
    for k in s1["state"]:
        for name in ("exp_avg", "exp_avg_sq", "step"):
            assert torch.equal(s1["state"][k][name], s2["state"][k][name])
    assert sched2.state_dict() == sched.state_dict()
    assert draws[0] == random.random() and draws[1] == np.random.rand() and torch.equal(draws[2], torch.rand(2))


def test_checkpoint_is_safetensors_with_no_pickle(tmp_path):
    model, opt, sched = _setup()
    path = save_checkpoint(tmp_path / "c.safetensors", model, opt, sched, FitState())
    header_len = int.from_bytes(path.read_bytes()[:8], "little")
    header = json.loads(path.read_bytes()[8 : 8 + header_len])  # the safetensors layout: plain JSON header
    assert "model.0.weight" in header and "__metadata__" in header
    assert b"\x80\x04" not in path.read_bytes()[:8]  # not a pickle stream
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_loading_into_the_wrong_model_or_a_bad_file_is_a_clear_error(tmp_path):
    model, opt, _ = _setup()
    path = save_checkpoint(tmp_path / "c.safetensors", model, opt)
    with pytest.raises(CheckpointError, match="does not fit"):
        load_weights(path, nn.Linear(4, 1))
    (tmp_path / "junk.safetensors").write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match="cannot read"):
        read_checkpoint(tmp_path / "junk.safetensors")
    with pytest.raises(CheckpointError, match="no checkpoint"):
        read_checkpoint(tmp_path / "missing.safetensors")


def test_tied_weights_can_be_saved(tmp_path):
    a = nn.Linear(3, 3, bias=False)
    model = nn.Sequential(a, nn.ReLU(), a)
    save_checkpoint(tmp_path / "t.safetensors", model)
    load_weights(tmp_path / "t.safetensors", model)


def test_checkpoint_callback_keeps_the_last_good_file_when_loss_is_nan(tmp_path):
    from dive.train import Checkpoint

    model, opt, _ = _setup()
    cb = Checkpoint(tmp_path / "c.safetensors")

    class T:
        def plugin_state(self):
            return {}

    trainer = T()
    trainer.model, trainer.optimizer, trainer.scheduler = model, opt, None
    cb.save(trainer, FitState(step=1, last_loss=torch.tensor(0.5)))
    before = (tmp_path / "c.safetensors").read_bytes()
    with torch.no_grad():
        model[0].weight.fill_(float("nan"))
    cb.save(trainer, FitState(step=2, last_loss=torch.tensor(float("nan"))))
    assert (tmp_path / "c.safetensors").read_bytes() == before
