"""A batch split across threads (`dive.train.split`): the whole batch's gradient, refused where it would not be."""

import contextlib

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dive.core import ConfigError
from dive.data import ArrayLoader
from dive.models import LeNet
from dive.scratch.mlp import MLPScratch
from dive.train import Callback, SupervisedStep, Trainer, accuracy
from dive.train.split import BatchSplit


def _data(n=70, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 28, 28, generator=g), torch.randint(0, 10, (n,), generator=g)


def _lenet():
    torch.manual_seed(0)
    return LeNet(num_classes=10)


def _fit(split, batch_size=32, epochs=2, **kw):
    X, y = _data()
    model = _lenet()
    loader = ArrayLoader(X, y, batch_size=batch_size, shuffle=True, seed=3)
    trainer = Trainer(
        model, F.cross_entropy, torch.optim.SGD(model.parameters(), lr=0.9), max_epochs=epochs, metrics=[accuracy],
        split=split, **kw,
    )  # fmt: skip
    state = trainer.fit(loader, loader)
    return model, state, trainer


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_a_split_batch_trains_the_same_weights_and_metrics_as_whole_batches(two_threads):
    # 70 examples in batches of 32: the last batch (6) splits 3 + 3; batch 32 splits 16 + 16
    whole, s1, t1 = _fit(1)
    parts, s2, t2 = _fit(2)
    assert t1.split == 1 and t2.split == 2
    for p, q in zip(whole.parameters(), parts.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)
    for key in ("train_loss", "train_acc", "test_loss", "test_acc"):
        assert s2.metrics[key] == pytest.approx(s1.metrics[key], rel=1e-5)
    assert torch.get_num_threads() == 2  # the intra-op threads are given back after the fit


def test_a_split_run_is_reproducible_to_the_bit(two_threads):
    a, _, _ = _fit(2)
    b, _, _ = _fit(2)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_more_parts_than_rows_and_odd_batches(two_threads):
    """Batches of 3 rows in 4 parts (3 run, one would be empty), and a last batch of 1."""
    whole, _, _ = _fit(1, batch_size=3, epochs=1)
    parts, _, t = _fit(4, batch_size=3, epochs=1)
    assert t.split == 4
    for p, q in zip(whole.parameters(), parts.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)


def test_the_batch_runs_whole_where_a_split_cannot_apply():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert Trainer(_lenet(), F.cross_entropy, torch.optim.SGD(_lenet().parameters(), lr=0.1), max_epochs=1,
                       split=2).split == 1  # fmt: skip
    finally:
        torch.set_num_threads(before)
    m = _lenet()
    with pytest.raises(ConfigError, match="split must be 1 or more"):
        Trainer(m, F.cross_entropy, torch.optim.SGD(m.parameters(), lr=0.1), max_epochs=1, split=0)


@pytest.mark.parametrize(
    "model, layer",
    [
        (nn.Sequential(nn.Flatten(), nn.Linear(784, 8), nn.BatchNorm1d(8), nn.Linear(8, 10)), "BatchNorm1d"),
        (nn.Sequential(nn.Flatten(), nn.Linear(784, 8), nn.Dropout(0.5), nn.Linear(8, 10)), "Dropout"),
    ],
)
def test_a_layer_that_looks_across_the_batch_is_refused_in_one_line(model, layer, two_threads):
    with pytest.raises(ConfigError, match=f"{layer}.*--split=1"):
        Trainer(model, F.cross_entropy, torch.optim.SGD(model.parameters(), lr=0.1), max_epochs=1, split=2)


def test_threads_are_given_back_when_a_step_fails(two_threads):
    class Boom(Callback):
        def on_batch_end(self, trainer, state):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        _fit(2, callbacks=[Boom()])
    assert torch.get_num_threads() == 2


def test_batch_split_sets_the_whole_batch_gradient(two_threads):
    X, y = _data(10)
    a, b = _lenet(), _lenet()
    F.cross_entropy(a(X), y).backward()
    split = BatchSplit(b, 2)
    with split.threads():
        outs = split(SupervisedStep(F.cross_entropy), b, [X, y], contextlib.nullcontext)
    assert [o.count for o in outs] == [5, 5]
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p.grad, q.grad, rtol=1e-5, atol=1e-7)


def test_a_forward_that_draws_random_numbers_is_refused_before_any_update(two_threads):
    torch.manual_seed(0)
    model = MLPScratch(784, 10, (16,), dropouts=(0.5,))  # the scratch dropout draws in forward: no layer to see
    before = [p.detach().clone() for p in model.parameters()]
    X, y = _data(32)
    trainer = Trainer(model, F.cross_entropy, torch.optim.SGD(model.parameters(), lr=0.1), max_epochs=1, split=2)
    with pytest.raises(ConfigError, match="drew random numbers.*--split=1"):
        trainer.fit(ArrayLoader(X.flatten(1), y, batch_size=16))
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
