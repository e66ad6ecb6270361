"""dive.train.SGD / Adam: torch.optim's updates bit for bit, without importing torch._dynamo."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from torch import nn

from dive.train import SGD, Adam

CASES = [
    (SGD, torch.optim.SGD, {"lr": 0.1}),
    (SGD, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 1e-3, "nesterov": True}),
    (SGD, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9, "foreach": False}),
    (Adam, torch.optim.Adam, {"lr": 0.01}),
    (Adam, torch.optim.Adam, {"lr": 0.01, "amsgrad": True, "weight_decay": 1e-2}),
]


def _train(opt_cls, kwargs, steps: int = 5) -> tuple[nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3))
    opt = opt_cls(model.parameters(), **kwargs)
    gen = torch.Generator().manual_seed(1)
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.cross_entropy(model(torch.randn(8, 6, generator=gen)), torch.arange(8) % 3).backward()
        opt.step()
    return model, opt


@pytest.mark.parametrize(("ours", "theirs", "kwargs"), CASES)
def test_same_updates_and_state_as_torch(ours, theirs, kwargs):
    a, opt_a = _train(ours, kwargs)
    b, opt_b = _train(theirs, kwargs)
    assert isinstance(opt_a, theirs)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q)
    # the state dicts are interchangeable: torch's loads into ours and ours into torch's
    opt_a.load_state_dict(opt_b.state_dict())
    opt_b.load_state_dict(opt_a.state_dict())
    assert opt_a.state_dict()["param_groups"] == opt_b.state_dict()["param_groups"]


def test_step_runs_without_grad_and_scheduler_accepts_it():
    model, opt = _train(SGD, {"lr": 0.5}, steps=1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.1)
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05)
    assert all(p.grad_fn is None for p in model.parameters())


def test_no_dynamo_import():
    code = (
        "import sys, torch\n"
        "from dive.train import SGD, Adam\n"
        "m = torch.nn.Linear(3, 2)\n"
        "for cls in (SGD, Adam):\n"
        "    o = cls(m.parameters(), lr=0.1)\n"
        "    o.zero_grad(); m(torch.ones(1, 3)).sum().backward(); o.step()\n"
        "    o.load_state_dict(o.state_dict())\n"
        "print('torch._dynamo' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_plain_sgd_skips_parameters_without_gradients_and_matches_torch():
    torch.manual_seed(0)
    a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    b.load_state_dict(a.state_dict())
    for model, cls in ((a, SGD), (b, torch.optim.SGD)):
        opt = cls([{"params": [model.weight], "lr": 0.3}, {"params": [model.bias], "lr": 0.1}])
        model(torch.ones(4, 3)).sum().backward()
        model.bias.grad = None  # a parameter without a gradient is left alone
        opt.step()
    assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)
