"""word2vec (book §15.4) on the tiny topic corpus: the recipe, its files, and `dive similar` / `dive analogy`."""


def test_word2vec_learns_the_topics_and_the_cli_queries_its_vectors(tmp_path, capsys):
    from dive.cli.main import main
    from dive.cli.run import run_recipe

    record = run_recipe("word2vec", "tiny", out=tmp_path / "w", device="cpu", progress=False)
    assert record["metrics"]["train_bce"] < 0.4 and "nearest to 't0w0'" in record["summary"]
    assert "word2vec's SGD" in record["summary"]
    assert (tmp_path / "w" / "vectors.safetensors").is_file() and (tmp_path / "w" / "vocab.json").is_file()
    capsys.readouterr()
    assert main(["similar", str(tmp_path / "w"), "t3w1", "-k", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.split(": ")[1].startswith("t3w") for line in lines)  # same topic
    assert main(["analogy", str(tmp_path / "w"), "t0w0", "t0w1", "t2w0"]) == 0
    assert "t0w0 : t0w1 :: t2w0 : t2w" in capsys.readouterr().out
    assert main(["similar", str(tmp_path / "w"), "t3w99"]) == 2
    assert "'t3w99' is not in the vocabulary" in capsys.readouterr().err


def test_cbow_and_hierarchical_softmax_variants_learn_the_topics(tmp_path, capsys):
    from dive.cli.main import main
    from dive.cli.run import run_recipe

    hierarchical = ["--objective", "hierarchical", "--optimizer", "adam"]
    for name, args, kind in [("word2vec-cbow", [], "CBOW"), ("word2vec", hierarchical, "hierarchical softmax")]:
        out = tmp_path / name
        assert main(["run", name, "--profile", "tiny", *args, "--out", str(out)]) == 0
        assert kind in capsys.readouterr().out
        assert main(["similar", str(out), "t5w2", "-k", "2"]) == 0
        assert all(": t5w" in line for line in capsys.readouterr().out.splitlines())
    assert main(["run", "word2vec", "--profile", "tiny", "--objective", "softmax", "--out", str(tmp_path / "x")]) == 2
    assert "--objective is negative or hierarchical" in capsys.readouterr().err
    record = run_recipe("word2vec-cbow", "tiny", out=tmp_path / "c2", device="cpu", progress=False)
    assert record["metrics"]["train_bce"] < 0.4  # the book's loss (train_loss is word2vec's per-row sum)


def test_the_books_adam_trainer_and_word2vecs_sgd_both_learn_the_topics(tmp_path, capsys):
    from dive.cli.main import main
    from dive.cli.run import run_recipe

    adam = run_recipe("word2vec", "tiny", ["optimizer=adam", "lr=0.01"], out=tmp_path / "a", device="cpu",
                      progress=False)  # fmt: skip
    sgd = run_recipe("word2vec-cbow", "tiny", ["optimizer=sgd", "lr=0.5"], out=tmp_path / "s", device="cpu",
                     progress=False)  # fmt: skip
    assert adam["metrics"]["train_bce"] == adam["metrics"]["train_loss"] < 0.4  # the book's step: its loss is bce
    assert sgd["metrics"]["train_bce"] < 0.5 and "CBOW, word2vec's SGD" in sgd["summary"]
    for bad, why in ((["--optimizer", "lbfgs"], "--optimizer is adam"),
                     (["--objective", "hierarchical", "--optimizer", "sgd"], "use --optimizer=adam")):  # fmt: skip
        assert main(["run", "word2vec", "--profile", "tiny", *bad, "--out", str(tmp_path / "x")]) == 2
        assert why in capsys.readouterr().err


def test_glove_fits_the_topic_corpus_and_writes_the_same_files(tmp_path, capsys):
    from dive.cli.main import main

    assert main(["run", "glove", "--profile", "tiny", "--out", str(tmp_path / "g")]) == 0
    assert "GloVe: loss" in capsys.readouterr().out
    assert main(["similar", str(tmp_path / "g"), "t1w3", "-k", "2"]) == 0
    assert all(": t1w" in line for line in capsys.readouterr().out.splitlines())


def test_fasttext_answers_for_a_word_it_never_saw(tmp_path, capsys):
    from dive.cli.main import main

    assert main(["run", "fasttext", "--profile", "tiny", "--out", str(tmp_path / "f")]) == 0
    assert "unseen 't3w99' -> t3w" in capsys.readouterr().out
    assert main(["similar", str(tmp_path / "f"), "t3w77", "-k", "2"]) == 0  # unseen: from its n-grams
    assert all(": t3w" in line for line in capsys.readouterr().out.splitlines())
    assert main(["similar", str(tmp_path / "f"), "zzzz"]) == 2  # no known n-gram at all
    assert "'zzzz' is not in the vocabulary" in capsys.readouterr().err


def test_bert_pretrain_reports_held_out_scores_and_dive_encode_reads_its_run(tmp_path, capsys):
    from dive.cli.main import main

    assert main(["run", "bert-pretrain", "--profile", "tiny", "--out", str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert "(training, 8 steps); held out (synthetic): MLM acc" in out and "NSP acc" in out
    assert main(["encode", str(tmp_path / "b"), "t1w2 t1w3", "t1w4 nope"]) == 0
    out = capsys.readouterr().out
    assert "tokens: <cls> t1w2 t1w3 <sep> t1w4 nope <sep>" in out and "(1, 7, 16)" in out and "nope" in out
    assert main(["encode", str(tmp_path / "b"), " ".join(["t1w2"] * 30)]) == 2
    assert "this model reads at most 20" in capsys.readouterr().err
    assert main(["run", "bert-pretrain", "--profile", "tiny", "--split", "train", "--out", str(tmp_path / "c")]) == 2
    assert "the train split is not available here" in capsys.readouterr().err
