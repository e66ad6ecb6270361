"""autograd-scratch: an MLP trained by dive's engine equals the same run on torch's autograd."""

import pytest


def test_the_engine_trains_the_stand_in_exactly_as_torch_does(tmp_path):
    from dive.cli.run import run_recipe

    record = run_recipe("autograd-scratch", "tiny", out=tmp_path / "a", device="cpu", progress=False)
    m = record["metrics"]
    assert m["test_acc"] > 0.9 and m["max_weight_diff"] < 1e-12, record["summary"]
    assert (tmp_path / "a" / "curves.png").is_file() and (tmp_path / "a" / "history.jsonl").is_file()


def test_bad_classes_are_one_clear_error(tmp_path):
    from dive.cli.run import run_recipe
    from dive.core import ConfigError

    for bad in ("0", "3,3", "a,b", "0,12"):
        with pytest.raises(ConfigError, match="--classes"):
            run_recipe("autograd-scratch", "tiny", overrides=[f"--classes={bad}"], out=tmp_path / "b", device="cpu")


@pytest.mark.slow
def test_t_shirts_and_shirts_told_apart_by_the_engine(tmp_path, data_root):
    from dive.cli.run import run_recipe

    record = run_recipe("autograd-scratch", "book", overrides=["--max_epochs=1"], out=tmp_path / "r", device="cpu",
                        data_root=str(data_root), progress=False)  # fmt: skip
    m = record["metrics"]
    assert m["test_acc"] > 0.75 and m["max_weight_diff"] < 1e-6 and m["test_acc"] == m["torch_test_acc"]
