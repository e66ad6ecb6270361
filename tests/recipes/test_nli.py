"""nli-attention (book §16.5) on the tiny stand-in pairs, and `dive classify --premise --hypothesis`."""


def test_nli_attention_learns_the_stand_in_and_classify_reads_the_run(tmp_path, capsys):
    from dive.cli.main import main
    from dive.cli.run import run_recipe

    out = tmp_path / "nli"
    record = run_recipe("nli-attention", "tiny", out=out, device="cpu", progress=False)
    m = record["metrics"]
    assert m["synthetic_test_acc"] > 0.9 and abs(m["synthetic_test_floor"] - 1 / 3) < 0.01, record["summary"]
    assert "per class: entailment" in record["summary"] and (out / "confusion.png").is_file()
    capsys.readouterr()
    for hypothesis, label in (("a man sleeps", "entailment"), ("a woman sleeps", "contradiction"),
                              ("a dog sleeps", "neutral")):  # fmt: skip
        assert main(["classify", str(out), "--premise", "a man sleeps outside", "--hypothesis", hypothesis]) == 0
        assert capsys.readouterr().out.startswith(f"{label} (")
    assert main(["classify", str(out), "--premise", "a man sleeps", "--hypothesis", "a zebra flies"]) == 0
    assert "2 words not in the vocabulary" in capsys.readouterr().out
    assert main(["classify", str(out), "--premise", " ", "--hypothesis", "a man"]) == 2
    assert "both need a few words" in capsys.readouterr().err
    assert main(["classify", str(out), "--premise", "a man"]) == 2
    assert "takes --premise and --hypothesis" in capsys.readouterr().err
    assert main(["classify", str(out), "a review"]) == 2  # an NLI run is not a sentiment run
    assert "is not a sentiment run" in capsys.readouterr().err


def test_the_book_profile_says_where_snli_train_would_be(tmp_path):
    import pytest

    from dive.cli.run import run_recipe
    from dive.core import DiveError

    root = tmp_path / "data"
    (root / "snli_1.0").mkdir(parents=True)
    with pytest.raises(DiveError):
        run_recipe("nli-attention", "book", out=tmp_path / "b", device="cpu", progress=False, data_root=str(root))


def test_nli_bert_fine_tunes_a_pretrained_bert_beside_one_from_scratch(tmp_path, capsys):
    from dive.cli.main import main
    from dive.cli.run import run_recipe

    record = run_recipe("nli-bert", "tiny", out=tmp_path / "nb", device="cpu", progress=False)
    m, summary = record["metrics"], record["summary"]
    assert m["synthetic_test_acc"] > 0.5 and "scratch_synthetic_test_acc" in m, summary
    assert summary.count("synthetic test (300 pairs)") == 2 and "scratch synthetic test" in summary
    assert (tmp_path / "nb" / "confusion.png").is_file() and (tmp_path / "nb" / "confusion-scratch.png").is_file()
    capsys.readouterr()
    assert main(["classify", str(tmp_path / "nb"), "--premise", "t0w1 t0w2", "--hypothesis", "t0w1 zebra"]) == 0
    out = capsys.readouterr().out
    assert out.split(" ")[0] in ("entailment", "contradiction", "neutral") and "read as <unk>: zebra" in out
    # the pretrained BERT is cached: a second run does not pretrain again, and --bert takes a run folder
    bert_runs = list((tmp_path / "cache").rglob("bert-tiny-*")) if (tmp_path / "cache").exists() else []
    record = run_recipe("nli-bert", "tiny", out=tmp_path / "nb2", device="cpu", progress=False,
                        overrides=["--scratch=false", "--max_epochs=1"])  # fmt: skip
    assert "scratch_synthetic_test_acc" not in record["metrics"]
    assert len(bert_runs) <= 1
