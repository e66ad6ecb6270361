"""`dive generate` from a trained run, `dive corpus` on the real text, and a resumed language-model run."""

import json

import pytest

from dive.cli.main import main
from dive.recipes.language_model import load_language_model


@pytest.fixture(scope="module")
def lm_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("lm")
    assert main(["run", "gru", "--profile", "tiny", "--quiet", "--out", str(out)]) == 0
    return out


def test_run_writes_vocab_samples_and_perplexity(lm_run):
    record = json.loads((lm_run / "summary.json").read_text())
    assert record["metric"] == "valid_ppl" and 1 <= record["value"] < 28
    assert "tokens/sec" in record["summary"] and "train ppl" in record["summary"]
    assert (lm_run / "samples.txt").read_text().startswith("time traveller")
    assert json.loads((lm_run / "vocab.json").read_text())["idx_to_token"][0] == "<unk>"


def test_generate_continues_the_prefix(lm_run, capsys):
    assert main(["generate", str(lm_run / "checkpoint.safetensors"), "--prefix", "Time traveller", "--len", "12"]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("time traveller") and len(line) == len("time traveller") + 12
    model, vocab, cfg = load_language_model(lm_run)  # a run directory works too
    assert cfg.cell == "gru" and len(vocab) == model.vocab_size


def test_generate_errors_are_one_line(lm_run, tmp_path, capsys):
    assert main(["generate", str(tmp_path / "nothing")]) == 2
    assert "no checkpoint" in capsys.readouterr().err
    assert main(["run", "softmax", "--profile", "tiny", "--quiet", "--out", str(tmp_path), "--max-epochs", "1"]) == 0
    assert main(["generate", str(tmp_path)]) == 2
    assert "not a language-model run" in capsys.readouterr().err
    (lm_run / "vocab.json").rename(lm_run / "vocab.bak")  # the checkpoint carries its vocabulary: not needed
    try:
        assert main(["generate", str(lm_run), "--len", "3"]) == 0
        assert capsys.readouterr().out.strip().startswith("time traveller")
    finally:
        (lm_run / "vocab.bak").rename(lm_run / "vocab.json")


def test_language_model_run_resumes(lm_run, tmp_path):
    argv = ["run", "rnn-scratch", "--profile", "tiny", "--quiet", "--out", str(tmp_path)]
    assert main([*argv, "--max_epochs=1"]) == 0
    assert main([*argv, "--max_epochs=2", "--resume"]) == 0
    lines = (tmp_path / "history.jsonl").read_text().splitlines()
    assert [json.loads(x)["epoch"] for x in lines if '"epoch"' in x and '"kind": "epoch"' in x] == [1, 2]


def test_corpus_prints_the_books_ngrams_and_writes_zipf(tmp_path, capsys, data_root):
    assert main(["corpus", "--data", str(data_root), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "32775 word tokens" in out and "'of the' 309" in out and "'the time traveller' 59" in out
    assert (tmp_path / "zipf_word.png").stat().st_size > 0


def test_generate_refuses_a_huge_length_and_an_empty_prefix(lm_run, capsys):
    assert main(["generate", str(lm_run), "--len", "1000000"]) == 2
    assert "--len must be in 0..10,000 (got 1,000,000)" in capsys.readouterr().err
    assert main(["generate", str(lm_run), "--prefix", "  "]) == 2
    assert "prefix is empty" in capsys.readouterr().err


def test_generate_names_a_few_unknown_characters_not_the_whole_input(lm_run, capsys):
    prefix = "é" * 5000 + "".join(chr(0x400 + i) for i in range(30))  # Cyrillic: none in The Time Machine
    assert main(["generate", str(lm_run), "--prefix", prefix, "--len", "3"]) == 0
    note = capsys.readouterr().out.splitlines()[0]
    assert note.startswith("note: all 5030 characters not in the vocabulary") and "(23 more)" in note
    assert len(note) < 200
