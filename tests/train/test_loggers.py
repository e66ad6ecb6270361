"""CSV and TensorBoard loggers, early stopping from a flag, and `dive run`'s --log / --early_stop / --accumulate."""

import csv
import json

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dive.core import ConfigError
from dive.data import ArrayLoader
from dive.train import Callback, Trainer
from dive.train.callbacks import metric_mode, parse_early_stop
from dive.train.loggers import CSVLogger, TensorBoardLogger, log_images, parse_loggers


def _fit(callbacks, epochs=3, state=None):
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(32, 4, generator=g), torch.randint(0, 2, (32,), generator=g)
    trainer = Trainer(model, F.cross_entropy, torch.optim.SGD(model.parameters(), lr=0.1), max_epochs=epochs,
                      callbacks=callbacks)  # fmt: skip
    return model, trainer.fit(ArrayLoader(x, y, batch_size=8), ArrayLoader(x, y, batch_size=16), state)


def test_the_csv_logger_writes_a_row_per_epoch_and_a_resume_appends(tmp_path):
    path = tmp_path / "metrics.csv"
    _, state = _fit([CSVLogger(path)], epochs=2)
    _fit([CSVLogger(path)], epochs=3, state=state)  # resumed after epoch 2
    rows = list(csv.DictReader(path.open()))
    assert [r["epoch"] for r in rows] == ["1", "2", "3"] and [r["step"] for r in rows] == ["4", "8", "12"]
    assert list(rows[0])[:2] == ["epoch", "step"] and "test_loss" in rows[0] and "train_loss" in rows[0]


def test_tensorboard_event_files_hold_the_scalars_hparams_and_figures(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    _fit([TensorBoardLogger(tmp_path / "tb", {"lr": 0.1, "sizes": [4, 2]}, log_every=2)], epochs=3)
    from PIL import Image

    Image.new("RGB", (8, 6), "red").save(tmp_path / "curves.png")
    assert log_images(tmp_path / "tb", tmp_path) == 1
    tags: dict[str, list] = {}
    for events in sorted((tmp_path / "tb").rglob("events.out.tfevents.*")):
        acc = EventAccumulator(str(events), size_guidance={"scalars": 0, "images": 0})
        acc.Reload()
        for tag in acc.Tags()["scalars"]:
            tags.setdefault(tag, []).extend(e.value for e in acc.Scalars(tag))
        for tag in acc.Tags()["images"]:
            tags.setdefault(tag, []).append("image")
    assert len(tags["epoch/train_loss"]) == 3 and len(tags["epoch/test_loss"]) == 3
    assert len(tags["train/step_loss"]) == 6 and tags["train/lr"][0] == pytest.approx(0.1)  # 12 steps, every 2
    assert "hparam/test_loss" in tags and tags["figures/curves"] == ["image"]


class _Scripted(Callback):
    """Sets test_loss to a scripted sequence and remembers the weights at each epoch end."""

    def __init__(self, values):
        self.values, self.weights = values, {}

    def on_epoch_end(self, trainer, state):
        state.metrics["test_loss"] = self.values[state.epoch - 1]
        self.weights[state.epoch] = trainer.model.weight.detach().clone()


def test_early_stopping_stops_after_patience_and_restores_the_best_epochs_weights():
    script = _Scripted([3.0, 2.0, 2.5, 2.6, 2.7, 2.8])
    stopper = parse_early_stop("test_loss:2")
    model, state = _fit([script, stopper], epochs=6)
    assert state.epoch == 4 and stopper.report()["stopped_at_epoch"] == 4 and stopper.best_epoch == 2
    assert stopper.restored and torch.equal(model.weight, script.weights[2])
    assert stopper.report()["restored_best_weights"] is True


def test_early_stop_specs_and_metric_directions():
    assert (
        metric_mode("test_acc") == "max" and metric_mode("valid_rmse") == "min" and metric_mode("train_loss") == "min"
    )
    stopper = parse_early_stop("test_acc:5:0.01")
    assert (stopper.monitor, stopper.patience, stopper.min_delta, stopper.mode) == ("test_acc", 5, 0.01, "max")
    for bad in ("test_loss", "test_loss:x", ":3", "test_loss:0"):
        with pytest.raises(ConfigError):
            parse_early_stop(bad)
    with pytest.raises(ConfigError, match="rise or fall"):
        parse_early_stop("wobble:3")
    with pytest.raises(ConfigError, match="choose from tensorboard, csv"):
        parse_loggers("csv,wandb")


def test_dive_run_logs_csv_stops_early_and_accumulates(tmp_path, capsys):
    from dive.cli.main import main

    out = tmp_path / "run"
    argv = ["run", "lenet", "--profile", "tiny", "--out", str(out), "--quiet", "--log", "csv",
            "--early_stop", "test_loss:1", "--accumulate", "2", "--max_epochs=3"]  # fmt: skip
    assert main(argv) == 0
    summary = json.loads((out / "summary.json").read_text())
    rows = list(csv.DictReader((out / "metrics.csv").open()))
    assert summary["accumulate"] == 2 and summary["early_stop"]["model"]["monitor"] == "test_loss"
    assert 1 <= len(rows) <= 3 and int(rows[-1]["step"]) == len(rows) * int(rows[0]["step"])
    assert main(["run", "lenet", "--profile", "tiny", "--out", str(tmp_path / "x"), "--accumulate", "0"]) == 2
    assert "--accumulate must be 1 or more" in capsys.readouterr().err
