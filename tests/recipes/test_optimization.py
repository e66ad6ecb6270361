"""Recipes of book chapter 12: the landscapes (§12.1-12.2), the 2-D traces, minibatch SGD, the airfoil optimizer
comparison (every optimizer, scratch and concise, in the book's band) and the schedule plot."""

import math
from dataclasses import replace

import pytest
import torch

from dive.cli.run import run_recipe
from dive.core import ConfigError
from dive.data import load_airfoil, parse_airfoil, standardize_airfoil
from dive.recipes import RECIPES, RunContext
from dive.recipes.airfoil import BOOK_OPTIMIZERS
from dive.recipes.lr_schedules import plot_schedules, schedule_table
from dive.recipes.optim_landscapes import chord_gap, local_minima, tanh_grad


def test_parse_and_standardize():
    data = parse_airfoil("1\t2\t3\t4\t5\t6\r\n3\t2\t1\t4\t5\t8\r\n")
    X, y = standardize_airfoil(data, n=2)
    assert X.shape == (2, 5) and X[:, 0].tolist() == [-1.0, 1.0] and y.flatten().tolist() == [-1.0, 1.0]
    with pytest.raises(ValueError):
        parse_airfoil("1\t2\n")


@pytest.mark.slow
@pytest.mark.parametrize("optimizer", list(BOOK_OPTIMIZERS))
@pytest.mark.parametrize("scratch", [True, False])
def test_every_optimizer_lands_in_the_books_band(optimizer, scratch, data_root, tmp_path):
    if not scratch and BOOK_OPTIMIZERS[optimizer][1] is None:
        with pytest.raises(ConfigError, match="no yogi"):
            run_recipe("airfoil", "book", [f"optimizer={optimizer}", "scratch=false"], out=tmp_path, device="cpu",
                       data_root=str(data_root), progress=False)  # fmt: skip
        return
    record = run_recipe("airfoil", "book", [f"optimizer={optimizer}", f"scratch={scratch}"], out=tmp_path,
                        device="cpu", data_root=str(data_root), progress=False)  # fmt: skip
    assert 0.242 <= record["value"] <= 0.26, record["summary"]
    assert load_airfoil(data_root)[0].shape == (1500, 5)


def test_lr_schedule_table_and_errors():
    from dataclasses import replace

    from dive.recipes import RECIPES
    from dive.recipes.lr_schedules import schedule_fn

    cfg = RECIPES["lr-schedules"].config("book")
    warm = schedule_fn(cfg)
    assert warm(0) == 0 and warm(5) == pytest.approx(0.3) and warm(25) == 0.01  # 5 warm-up epochs, cosine to 20
    assert schedule_fn(replace(cfg, schedule="multi_factor"))(15) == pytest.approx(0.15)
    with pytest.raises(ConfigError, match="cosine_warmup"):
        schedule_fn(replace(cfg, schedule="cyclic"))


def test_optim_traces_prints_the_books_lines(tmp_path):
    record = run_recipe("optim-traces", "book", out=tmp_path, device="cpu", progress=False)
    assert "gd lr 0.1 (§12.3): epoch 20, x1: -0.057646, x2: -0.000073" in record["summary"]
    assert (tmp_path / "effective_weights.png").exists()
    assert (tmp_path / "gd.png").stat().st_size > 0 and not (tmp_path / "checkpoint.safetensors").exists()


def test_minibatch_sgd_tracks_loss_against_time_and_examples(tmp_path):
    record = run_recipe("minibatch-sgd", "tiny", out=tmp_path, device="cpu", progress=False)
    assert {"gd_loss", "sgd_loss", "minibatch 100_loss", "minibatch 10_loss"} <= set(record["metrics"])
    assert (tmp_path / "loss_vs_time.png").stat().st_size > 0 and (tmp_path / "sgd" / "checkpoint.safetensors").exists()


def test_landscape_helpers_golden_values():
    x = torch.linspace(-1, 2, 3001, dtype=torch.float64)
    minima = local_minima(x, x * torch.cos(math.pi * x))
    assert [round(p[0], 2) for p in minima] == [-0.27, 1.09]  # the book's local and global minimum (§12.1)
    assert tanh_grad(4.0) == pytest.approx(1 - math.tanh(4.0) ** 2)
    assert chord_gap(lambda v: v**2, -1.5, 1.0, 101) == pytest.approx(0.0, abs=1e-12)  # convex: never above
    assert chord_gap(lambda v: -(v**2), -1.0, 1.0, 101) == pytest.approx(1.0)  # concave: 1 above at the middle


def test_optim_landscapes_draws_the_books_figures(tmp_path):
    record = run_recipe("optim-landscapes", "tiny", out=tmp_path, device="cpu", progress=False)
    assert record["in_band"] is None and 1.0 < record["value"] < 1.2
    assert "global minimum at x = 1.09" in record["summary"]
    assert (tmp_path / "curves.png").stat().st_size > 0 and (tmp_path / "convexity.png").stat().st_size > 0


def test_lr_schedules_plots_every_schedule(tmp_path):
    cfg = replace(RECIPES["lr-schedules"].config("book"), schedule="factor")
    plot_schedules(cfg, RunContext(tmp_path))
    assert (tmp_path / "schedule.png").stat().st_size > 0
    assert set(schedule_table(cfg)) == {"none", "square_root", "factor", "multi_factor", "cosine", "cosine_warmup"}
