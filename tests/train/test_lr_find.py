"""The learning-rate range test: the rates it tries, the suggestion on a problem whose good rate is known, the model
left untouched, and `dive lr-find` on a tiny recipe."""

import json
import math

import torch
import torch.nn.functional as F
from torch import nn

from dive.data import ArrayLoader
from dive.train import Trainer
from dive.train.lr_find import LRFindResult, _suggest, lr_range_test


def _trainer():
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(512, 10, generator=g)
    y = x @ torch.randn(10, 1, generator=g)
    model = nn.Linear(10, 1)
    trainer = Trainer(model, F.mse_loss, torch.optim.SGD(model.parameters(), lr=0.1), max_epochs=1)
    trainer.train_loader = ArrayLoader(x, y, batch_size=32, seed=1)
    trainer._build_forwards()
    return trainer, model


def test_the_range_test_grows_the_rate_exponentially_and_puts_the_model_back():
    trainer, model = _trainer()
    before = [p.detach().clone() for p in model.parameters()]
    result = lr_range_test(trainer, start_lr=1e-5, end_lr=10.0, num_steps=120)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert trainer.optimizer.param_groups[0]["lr"] == 0.1  # the optimizer's own rate restored
    assert result.lrs[0] == 1e-5 and all(b / a == result.lrs[1] / result.lrs[0] or math.isclose(b / a, result.lrs[1] /
               result.lrs[0]) for a, b in zip(result.lrs, result.lrs[1:]))  # fmt: skip
    # least squares with unit-variance inputs: SGD diverges past lr ~1 (2 / the largest Hessian eigenvalue ~2)
    assert result.stopped_early and result.lrs[-1] < 10.0
    assert 1e-3 < result.suggestion < 1.0 and result.suggestion < result.min_lr


def test_the_suggestion_is_the_steepest_fall_before_the_minimum():
    lrs = [10 ** (-4 + i / 10) for i in range(50)]
    smooth = [2.0] * 10 + [2.0 - 0.05 * i for i in range(20)] + [1.0 - 0.1 * i for i in range(5)] + [0.6] * 15
    r = LRFindResult(lrs=lrs, losses=smooth, smoothed=smooth)
    _suggest(r)
    assert r.min_lr == lrs[smooth.index(min(smooth))] and lrs[30] <= r.suggestion <= lrs[34]


def test_dive_lr_find_on_a_tiny_recipe_writes_its_picture_and_leaves_runs_alone(tmp_path, capsys, monkeypatch):
    from dive.cli.main import main

    monkeypatch.chdir(tmp_path)
    assert main(["lr-find", "lenet", "--profile", "tiny", "--steps", "40", "--out", str(tmp_path / "lr")]) == 0
    said = capsys.readouterr().out
    assert "suggested lr" in said and "configured lr 0.9" in said
    record = json.loads((tmp_path / "lr" / "lr_find.json").read_text())
    assert len(record["lrs"]) <= 40 and (tmp_path / "lr" / "lr_find.png").stat().st_size > 1000
    assert not (tmp_path / "runs" / "lenet").exists()  # the recipe's own run folder untouched
