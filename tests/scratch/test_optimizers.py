"""Chapter-12 optimizers from scratch: the book's printed 2-D end points, and parity with torch.optim (float64)."""

import pytest
import torch

from dive.scratch import SGD
from dive.scratch.optim_2d import book_line, f_2d, f_ill, trace_2d
from dive.scratch.optimizers import Adadelta, AdaGrad, Adam, Momentum, RMSProp, Yogi

# (optimizer, objective, hyperparameters, the line the book prints after 20 steps)
BOOK_RUNS = [
    (SGD, f_2d, {"lr": 0.1}, "epoch 20, x1: -0.057646, x2: -0.000073"),  # §12.3.2
    (SGD, f_ill, {"lr": 0.4}, "epoch 20, x1: -0.943467, x2: -0.000073"),  # §12.6.1
    (SGD, f_ill, {"lr": 0.6}, "epoch 20, x1: -0.387814, x2: -1673.365109"),  # diverges along x2
    (Momentum, f_ill, {"lr": 0.6, "beta": 0.5}, "epoch 20, x1: 0.007188, x2: 0.002553"),  # §12.6.1
    (Momentum, f_ill, {"lr": 0.6, "beta": 0.25}, "epoch 20, x1: -0.126340, x2: -0.186632"),
    (AdaGrad, f_ill, {"lr": 0.4}, "epoch 20, x1: -2.382563, x2: -0.158591"),  # §12.7.4
    (AdaGrad, f_ill, {"lr": 2.0}, "epoch 20, x1: -0.002295, x2: -0.000000"),
    (RMSProp, f_ill, {"lr": 0.4, "gamma": 0.9}, "epoch 20, x1: -0.010599, x2: 0.000000"),  # §12.8.3
]


@pytest.mark.parametrize("cls,objective,hyper,expected", BOOK_RUNS)
def test_book_2d_end_points(cls, objective, hyper, expected):
    assert book_line(trace_2d(cls, objective, **hyper)) == expected


def _pair(seed=0):
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(4, 3, dtype=torch.float64, generator=g)
    return torch.nn.Parameter(a.clone()), torch.nn.Parameter(a.clone())


def _run(opt_a, opt_b, pa, pb, steps=7, seed=1):
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        target = torch.randn(4, 3, dtype=torch.float64, generator=g)
        for opt, p in ((opt_a, pa), (opt_b, pb)):
            opt.zero_grad()
            ((p - target) ** 2 * torch.arange(1.0, 4.0, dtype=torch.float64)).sum().backward()
            opt.step()
    torch.testing.assert_close(pa, pb)


def test_momentum_equals_torch_sgd_with_momentum():
    pa, pb = _pair()
    _run(Momentum([pa], lr=0.05, beta=0.9), torch.optim.SGD([pb], lr=0.05, momentum=0.9), pa, pb)


@pytest.mark.parametrize("ours,theirs", [
    (lambda p: AdaGrad(p, lr=0.3, eps=0.0), lambda p: torch.optim.Adagrad(p, lr=0.3, eps=0.0)),
    (lambda p: RMSProp(p, lr=0.01, gamma=0.9, eps=0.0), lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=0.0)),
    (lambda p: Adadelta(p, rho=0.9, eps=1e-5), lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.9, eps=1e-5)),
    (lambda p: Adam(p, lr=0.01, eps=1e-8), lambda p: torch.optim.Adam(p, lr=0.01, eps=1e-8)),
])  # fmt: skip
def test_adaptive_optimizers_equal_torch(ours, theirs):
    pa, pb = _pair()
    oa, ob = ours([pa]), theirs([pb])
    _run(oa, ob, pa, pb)
    if isinstance(oa, Adam):
        torch.testing.assert_close(oa.state[pa]["s"], ob.state[pb]["exp_avg_sq"])  # states too, not only weights


def test_yogi_second_moment_by_hand():
    p = torch.nn.Parameter(torch.tensor([1.0], dtype=torch.float64))
    opt = Yogi([p], lr=0.1, betas=(0.9, 0.999), eps=1e-3)
    p.grad = torch.tensor([2.0], dtype=torch.float64)
    opt.step()
    # s: 0 + 0.001 * 4 * sign(4 - 0) = 0.004; v = 0.2; v^ = 2, s^ = 4: step 0.1 * 2 / (2 + 0.001)
    assert opt.state[p]["s"].item() == pytest.approx(0.004)
    assert p.item() == pytest.approx(1 - 0.1 * 2 / (2 + 1e-3))
    p.grad = torch.tensor([0.0], dtype=torch.float64)
    opt.step()
    assert opt.state[p]["s"].item() == pytest.approx(0.004 - 0.0)  # g^2 = 0 < s: sign -1 times 0: no change
    with pytest.raises(ValueError):
        Momentum([p], lr=0.0)


def test_noisy_sgd_is_seeded_and_exponential_decay_freezes_early():
    import math

    from dive.scratch.optim_2d import noisy_sgd_trace

    a = noisy_sgd_trace(lambda t: 0.1, 50, seed=3)
    assert a == noisy_sgd_trace(lambda t: 0.1, 50, seed=3) and a != noisy_sgd_trace(lambda t: 0.1, 50, seed=4)
    frozen = noisy_sgd_trace(lambda t: 0.1 * math.exp(-0.1 * t), 1000, seed=0)
    # after 100 steps the rate is below 5e-6: the iterate stops moving wherever it is (book §12.4.2)
    assert abs(frozen[-1][0] - frozen[100][0]) < 1e-4
