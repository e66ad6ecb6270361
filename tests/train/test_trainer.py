import json
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dive.data import ArrayLoader
from dive.train import (
    Callback,
    EarlyStopping,
    History,
    NanGuard,
    Trainer,
    TrainingDiverged,
    accuracy,
    format_summary,
    log_rmse,
)


def _data(n=96, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 5, generator=g)
    y = (X[:, 0] + X[:, 1] > 0).long()
    return X, y


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 2))


def test_trainer_equals_a_ten_line_hand_loop():
    X, y = _data()
    loader = ArrayLoader(X, y, batch_size=16, shuffle=True, seed=7)
    a, b = _model(), _model()
    opt_a, opt_b = torch.optim.SGD(a.parameters(), lr=0.1), torch.optim.SGD(b.parameters(), lr=0.1)
    torch.manual_seed(1)
    Trainer(a, F.cross_entropy, opt_a, max_epochs=3, metrics=[accuracy]).fit(loader, loader)
    torch.manual_seed(1)
    for epoch in range(3):  # the hand loop
        b.train()
        for Xb, yb in loader.epoch(epoch):
            opt_b.zero_grad()
            F.cross_entropy(b(Xb), yb).backward()
            opt_b.step()
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)


def test_epoch_metrics_are_exact_means_and_evaluation_is_in_eval_mode():
    X, y = _data()
    model = _model()
    trainer = Trainer(
        model, F.cross_entropy, torch.optim.SGD(model.parameters(), lr=0.0001), max_epochs=1, metrics=[accuracy]
    )
    state = trainer.fit(ArrayLoader(X, y, batch_size=40), ArrayLoader(X, y, batch_size=40))
    assert model.training
    model.eval()
    with torch.no_grad():
        expected_acc = (model(X).argmax(1) == y).float().mean().item()
    assert state.metrics["test_acc"] == pytest.approx(expected_acc)
    assert 0 <= state.metrics["train_acc"] <= 1 and state.metrics["examples_per_sec"] > 0
    assert state.epoch == 1 and state.step == 3
    model.train()


def test_log_rmse_metric_is_root_of_mean():
    preds, y = torch.tensor([[100.0], [0.5]]), torch.tensor([[10.0], [1.0]])
    total = log_rmse.fn(preds, y).item()
    assert log_rmse.finalize(total, 2) == pytest.approx(math.sqrt(math.log(10) ** 2 / 2))


def test_nan_guard_stops_with_a_clear_message():
    X, y = _data()
    model = _model()
    opt = torch.optim.SGD(model.parameters(), lr=1e30)
    trainer = Trainer(model, F.cross_entropy, opt, max_epochs=5, callbacks=[NanGuard()])
    with pytest.raises(TrainingDiverged, match=r"(nan|inf).*step \d+.*smaller learning rate"):
        trainer.fit(ArrayLoader(X, y, batch_size=16))


def test_early_stopping_ends_fit_when_metric_stalls():
    X, y = _data()
    model = _model()
    stopper = EarlyStopping(monitor="test_loss", patience=2)
    trainer = Trainer(
        model, F.cross_entropy, torch.optim.SGD(model.parameters(), lr=0.0), max_epochs=20, callbacks=[stopper]
    )
    state = trainer.fit(ArrayLoader(X, y, batch_size=32), ArrayLoader(X, y, batch_size=32))
    assert state.epoch == 3  # first epoch sets the best; two without improvement stop it


def test_callbacks_see_every_event_in_order():
    events = []

    class Spy(Callback):
        def on_fit_start(self, t, s):
            events.append("start")

        def on_batch_end(self, t, s):
            events.append("batch")

        def on_epoch_end(self, t, s):
            events.append("epoch")

        def on_fit_end(self, t, s):
            events.append("end")

    X, y = _data(n=32)
    model = _model()
    Trainer(model, F.cross_entropy, torch.optim.SGD(model.parameters(), lr=0.1), max_epochs=2, callbacks=[Spy()]).fit(
        ArrayLoader(X, y, batch_size=16)
    )
    assert events == ["start", "batch", "batch", "epoch", "batch", "batch", "epoch", "end"]


def test_history_writes_jsonl_per_epoch_and_step(tmp_path):
    X, y = _data(n=64)
    model = _model()
    hist = History(tmp_path / "h.jsonl", log_every=2)
    Trainer(model, F.cross_entropy, torch.optim.SGD(model.parameters(), lr=0.1), max_epochs=2, callbacks=[hist]).fit(
        ArrayLoader(X, y, batch_size=16)
    )
    records = [json.loads(line) for line in (tmp_path / "h.jsonl").read_text().splitlines()]
    assert [r["kind"] for r in records].count("epoch") == 2 and [r["kind"] for r in records].count("step") == 4
    assert records[-1]["epoch"] == 2 and "train_loss" in records[-1]


def test_format_summary_is_the_books_line():
    line = format_summary(
        {"train_loss": 0.4691, "train_acc": 0.8234, "test_acc": 0.7791, "examples_per_sec": 55296.61}, "cpu"
    )
    assert line == "loss 0.469, train acc 0.823, test acc 0.779, 55296.6 examples/sec on cpu"


def _progress_output(**kwargs) -> str:
    """What `Progress(**kwargs)` writes over one epoch of 20 batches."""
    import io

    from dive.train import Progress

    X, y = _data(n=320)
    model = _model()
    stream = io.StringIO()
    Trainer(
        model,
        F.cross_entropy,
        torch.optim.SGD(model.parameters(), lr=0.1),
        max_epochs=1,
        callbacks=[Progress(stream, **kwargs)],
    ).fit(ArrayLoader(X, y, batch_size=16))
    return stream.getvalue()


def test_progress_bar_shows_loss_and_throughput():
    out = _progress_output(bar=True)
    assert "examples/s" in out and "loss" in out and "epoch 1/1" in out


def test_progress_off_a_terminal_prints_timed_lines_within_an_epoch():
    lines = _progress_output(bar=False, every_seconds=0.0).splitlines()
    assert lines[0].startswith("epoch 1/1: batch 1/20, loss ") and "min left in the epoch" in lines[0]
    assert len(lines) == 21 and lines[-1].startswith("epoch 1/1: train_loss")  # 20 timed lines, then the epoch's
