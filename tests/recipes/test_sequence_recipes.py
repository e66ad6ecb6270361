"""The chapter-9/10 recipes beyond the smoke test: schemes, the bidirectional lesson, k-step prediction."""

import pytest
import torch
from torch import nn

from dive.cli.run import run_recipe
from dive.recipes import RECIPES
from dive.recipes.sequence_sine import k_step_predictions, lag_features


@pytest.mark.parametrize("scheme", ["random", "sequential"])
def test_the_books_two_samplers_train_on_held_out_text(scheme, tmp_path):
    record = run_recipe("rnn", "tiny", [f"scheme={scheme}", "max_epochs=3"], out=tmp_path, device="cpu", progress=False)
    assert 1 < record["metrics"]["valid_ppl"] < 15  # 15-ish letters in the stand-in: a learner beats uniform


def test_unknown_scheme_or_cell_is_a_config_error(tmp_path):
    from dive.core import ConfigError

    with pytest.raises(ConfigError, match="windows, random, sequential"):
        run_recipe("rnn", "tiny", ["scheme=shuffled"], out=tmp_path, device="cpu", progress=False)
    with pytest.raises(ConfigError, match="rnn, gru, lstm"):
        run_recipe("rnn", "tiny", ["cell=transformer"], out=tmp_path, device="cpu", progress=False)


def test_birnn_reports_the_prefix_only_perplexity(tmp_path):
    record = run_recipe("birnn", "tiny", ["max_epochs=4"], out=tmp_path, device="cpu", progress=False)
    m = record["metrics"]
    assert m["valid_prefix_ppl"] > m["valid_ppl"]  # it reads the answer; without the future it is worse
    assert "reads the future" in record["summary"]


def test_book_profiles_use_the_books_settings():
    for name in ("rnn", "rnn-scratch"):
        cfg = RECIPES[name].config("book")
        assert (cfg.num_hiddens, cfg.batch_size, cfg.num_steps, cfg.lr, cfg.max_epochs) == (32, 1024, 32, 1.0, 100)
    assert RECIPES["lstm"].config("book").lr == 4.0 and RECIPES["deep-rnn"].config("book").num_layers == 2
    assert RECIPES["rnn-scratch"].config("book").scratch and not RECIPES["rnn"].config("book").scratch


def test_lag_features_and_k_step_alignment():
    x = torch.arange(10.0)
    features, labels = lag_features(x, tau=4)
    assert features[0].tolist() == [0, 1, 2, 3] and labels[0].item() == 4 and features.shape == (6, 4)
    model = nn.Linear(4, 1, bias=False)  # predicts the next value of an arithmetic sequence exactly: 2 x3 - x2
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.0, 0.0, -1.0, 2.0]]))
    preds = k_step_predictions(model, x, tau=4, k=3)
    for k in (1, 2, 3):  # preds[k-1][m] predicts x[m + tau + k - 1]
        assert preds[k - 1].tolist() == pytest.approx(x[4 + k - 1 : 4 + k - 1 + preds[0].numel()].tolist())
