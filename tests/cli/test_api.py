"""The Python API: `dive.run` does what `dive run` does and returns the run; `dive.load` gives the model back."""

import json
import sys

import pytest
import torch


def test_run_returns_metrics_history_dir_and_model_like_the_cli(tmp_path, capsys):
    import dive

    r = dive.run("lenet", profile="tiny", out=str(tmp_path / "l"), quiet=True, lr=0.5, max_epochs=2)
    out = capsys.readouterr().out
    assert r.summary in out and "wrote" in out and "the tiny band" not in out  # tiny has no band
    assert r.dir == tmp_path / "l" and json.loads((r.dir / "summary.json").read_text())["config"]["lr"] == 0.5
    assert r.metrics["test_acc"] == r.record["metrics"]["test_acc"]
    assert list(r.history["epoch"]) == [1, 2] and "train_loss" in r.history.columns
    assert isinstance(r.model, torch.nn.Module) and (r.dir / "curves.png") in r.pictures()
    assert "Run('lenet', profile='tiny'" in repr(r)
    # dive.load: the same weights back, the run folder untouched
    before = sorted(p.name for p in r.dir.iterdir())
    model = dive.load(r.dir)
    assert not model.training and sorted(p.name for p in r.dir.iterdir()) == before
    for a, b in zip(model.state_dict().values(), r.model.state_dict().values()):
        assert torch.equal(a, b.cpu())


def test_bad_calls_are_one_clear_error(tmp_path):
    import dive
    from dive.core import ConfigError, DiveError

    with pytest.raises(ConfigError, match="unknown config key 'lrr'"):
        dive.run("lenet", profile="tiny", out=str(tmp_path / "x"), lrr=0.1)
    with pytest.raises(DiveError, match="not a finished run"):
        dive.load(tmp_path)
    r = dive.run("ndarray", profile="tiny", out=str(tmp_path / "n"), quiet=True)
    assert r.model is None
    with pytest.raises(DiveError, match="holds no checkpoint"):
        dive.load(r.dir)


def test_outside_jupyter_nothing_is_displayed_and_ipython_is_not_imported(tmp_path):
    from dive.cli.api import in_notebook

    had = "IPython" in sys.modules
    assert in_notebook() is False
    assert ("IPython" in sys.modules) == had
