"""Learning-rate schedules (book §12.11): golden values, and parity with torch.optim.lr_scheduler."""

import math

import pytest
import torch

from dive.scratch.schedules import cosine, factor, lambda_factor, multi_factor, square_root


def _torch_rates(make_scheduler, lr0, steps):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr0)
    sched = make_scheduler(opt)
    rates = []
    for _ in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return rates


def test_square_root_and_factor_by_hand():
    assert square_root(0) == pytest.approx(0.1) and square_root(3) == pytest.approx(0.05)
    assert factor(1) == pytest.approx(1.8) and factor(100) == 1e-2  # floored at lr_min


def test_multi_factor_equals_multisteplr():
    ours = [multi_factor(t, lr0=0.5) for t in range(40)]
    theirs = _torch_rates(lambda o: torch.optim.lr_scheduler.MultiStepLR(o, [15, 30], 0.5), 0.5, 40)
    assert ours == pytest.approx(theirs)


def test_cosine_equals_cosineannealinglr_and_warmup_ramps():
    ours = [cosine(t, lr0=0.3, max_update=20, final_lr=0.01) for t in range(21)]
    theirs = _torch_rates(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=20, eta_min=0.01), 0.3, 21)
    assert ours == pytest.approx(theirs)
    warm = [cosine(t, lr0=0.3, max_update=20, warmup=5) for t in range(30)]
    assert warm[0] == 0 and warm[5] == pytest.approx(0.3) and warm[2] == pytest.approx(0.12)
    assert warm[25] == 0.01 and max(warm) == pytest.approx(0.3)


def test_lambda_factor_drives_a_torch_scheduler():
    rates = _torch_rates(lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda_factor(square_root, 0.1)), 0.1, 5)
    assert rates == pytest.approx([0.1 / math.sqrt(t + 1) for t in range(5)])
