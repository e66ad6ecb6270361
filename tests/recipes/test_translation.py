"""Translation recipes beyond the smoke test: the full-scope path with held-out BLEU, and `dive translate`."""

import json

import pytest

from dive.cli.main import main
from dive.cli.run import run_recipe
from dive.data import parse_pairs, read_fra_eng
from dive.recipes import RECIPES


@pytest.fixture(scope="module")
def transformer_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("mt")
    overrides = ["max_epochs=6", "num_hiddens=32", "ffn_num_hiddens=32", "lr=0.01", "dropout=0.0"]
    run_recipe("transformer", "tiny", overrides, out=out, device="cpu", progress=False)
    return out


def test_full_scope_reports_held_out_corpus_bleu(tmp_path):
    overrides = ["scope=full", "max_epochs=3", "beam_sentences=10"]
    record = run_recipe("bahdanau", "tiny", overrides, out=tmp_path, device="cpu", progress=False)
    m = record["metrics"]
    assert 0 <= m["test_bleu"] <= 100 and 0 <= m["test_book_bleu"] <= 1
    assert "test_bleu_beam_subset" in m and "held-out pairs" in record["summary"]
    assert (tmp_path / "attention.png").stat().st_size > 0 and (tmp_path / "lengths.png").stat().st_size > 0


def test_the_toy_dictionary_is_learned(transformer_run):
    record = json.loads((transformer_run / "summary.json").read_text())
    assert record["metrics"]["valid_loss"] < 1.5  # a word-for-word dictionary: the Transformer learns it fast


def test_translate_command(transformer_run, capsys, tmp_path):
    assert (
        main(["translate", str(transformer_run), "I am calm.", "--beam", "3", "--heatmap", str(tmp_path / "a.png")])
        == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[-1] == "." and (tmp_path / "a.png").stat().st_size > 0
    assert main(["translate", str(transformer_run), "zebra ."]) == 0
    assert "not in the source vocabulary" in capsys.readouterr().out
    assert main(["translate", str(transformer_run), "i am .", "--beam", "0"]) == 2


def test_translate_refuses_other_runs(tmp_path, capsys):
    assert main(["run", "rnn", "--profile", "tiny", "--quiet", "--out", str(tmp_path)]) == 0
    assert main(["translate", str(tmp_path), "go ."]) == 2
    assert "not a translation run" in capsys.readouterr().err


def test_book_profiles_are_d2l_1_0():
    for name, lr in (("seq2seq", 0.005), ("bahdanau", 0.005), ("transformer", 0.001)):
        cfg = RECIPES[name].config("book")
        assert (cfg.scope, cfg.num_train, cfg.num_val, cfg.num_steps, cfg.batch_size, cfg.lr) == (
            "book",
            512,
            128,
            9,
            128,
            lr,
        )
    t = RECIPES["transformer"].config("book")
    assert (t.num_hiddens, t.ffn_num_hiddens, t.num_heads, t.num_layers, t.dropout) == (256, 64, 4, 2, 0.2)
    assert RECIPES["transformer"].profiles["full"].metric == "test_bleu"


@pytest.mark.slow
@pytest.mark.parametrize("profile", ["quick", "full"])
def test_num_steps_hold_nearly_every_pair_of_the_real_corpus(profile, data_root):
    """Pairs longer than num_steps are cut, and no translation can be longer: the profile must hold 99% of them."""
    cfg = RECIPES["transformer"].config(profile)
    src, tgt = parse_pairs(read_fra_eng(data_root), cfg.max_pairs or None)
    fits = sum(len(s) < cfg.num_steps and len(t) < cfg.num_steps for s, t in zip(src, tgt))  # + <eos>
    assert fits / len(src) >= 0.99


def test_bucketing_trains_the_transformer_and_is_refused_for_the_gru_models(tmp_path, capsys):
    overrides = ["scope=full", "bucket=true", "max_epochs=1", "beam_sentences=5"]
    record = run_recipe("transformer", "tiny", overrides, out=tmp_path / "t", device="cpu", progress=False)
    assert record["config"]["bucket"] and 0 <= record["metrics"]["test_bleu"] <= 100
    assert main(["run", "seq2seq", "--profile", "tiny", "--bucket=true", "--quiet", "--out", str(tmp_path / "s")]) == 2
    assert "bucket=true is for the Transformer" in capsys.readouterr().err


def test_cosine_schedule_decays_the_lr_each_epoch():
    import torch

    from dive.core import ConfigError
    from dive.recipes.translation import MTConfig, mt_scheduler

    opt = torch.optim.Adam(torch.nn.Linear(2, 2).parameters(), lr=1e-3)
    assert mt_scheduler(MTConfig(lr=1e-3), opt) is None  # the book's constant rate
    sched = mt_scheduler(MTConfig(lr=1e-3, max_epochs=4, schedule="cosine"), opt)
    lrs = []
    for _ in range(4):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs[0] == pytest.approx(1e-3) and lrs[2] == pytest.approx(0.505e-3) and lrs == sorted(lrs, reverse=True)
    with pytest.raises(ConfigError, match="unknown schedule"):
        mt_scheduler(MTConfig(schedule="warp"), opt)


def test_translate_refuses_nothing_and_keeps_a_long_unknown_input_short(transformer_run, capsys):
    assert main(["translate", str(transformer_run), ""]) == 2
    assert "nothing to translate" in capsys.readouterr().err
    assert main(["translate", str(transformer_run), "   "]) == 2
    assert "nothing to translate" in capsys.readouterr().err
    words = " ".join(f"zz{i}" for i in range(5000))
    assert main(["translate", str(transformer_run), words]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("note: all 5000 words not in the source vocabulary") and "(4992 more)" in out[0]
    assert len(out[0]) < 200 and "are cut" in out[1]
