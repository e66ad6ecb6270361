import random

import numpy as np
import pytest
import torch

from dive.core import DiveError, Timer, choose_device, epoch_generator, get_rng_state, seed_everything, set_rng_state


def test_seed_everything_makes_every_generator_repeat():
    seed_everything(3)
    a = (random.random(), np.random.rand(), torch.rand(2))
    seed_everything(3)
    b = (random.random(), np.random.rand(), torch.rand(2))
    assert a[0] == b[0] and a[1] == b[1] and torch.equal(a[2], b[2])


def test_rng_state_round_trip():
    seed_everything(0)
    state = get_rng_state()
    x = (random.random(), np.random.rand(), torch.rand(3))
    set_rng_state(state)
    y = (random.random(), np.random.rand(), torch.rand(3))
    assert x[0] == y[0] and x[1] == y[1] and torch.equal(x[2], y[2])


def test_epoch_generator_depends_on_seed_and_epoch_only():
    p = torch.randperm(10, generator=epoch_generator(1, 2))
    torch.rand(5)  # the global generator must not matter
    assert torch.equal(p, torch.randperm(10, generator=epoch_generator(1, 2)))
    assert not torch.equal(p, torch.randperm(10, generator=epoch_generator(1, 3)))


def test_choose_device():
    assert choose_device("cpu").type == "cpu"
    assert choose_device("auto").type in ("cpu", "cuda", "mps")
    with pytest.raises(DiveError, match="unknown device"):
        choose_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(DiveError, match="no CUDA"):
            choose_device("cuda")


def test_timer_records_runs():
    t = Timer()
    for _ in range(3):
        with t:
            sum(range(1000))
    assert len(t.times) == 3 and t.sum() >= t.avg() > 0 and t.cumsum()[-1] == pytest.approx(t.sum())
    with pytest.raises(RuntimeError):
        Timer().stop()
