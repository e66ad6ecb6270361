"""Sentiment recipes (book §16.2-16.3) on the tiny stand-in reviews: training, vectors, and `dive classify`."""

import pytest


def test_both_recipes_learn_the_stand_in_and_dive_classify_reads_the_run(tmp_path, capsys):
    from dive.cli.main import main
    from dive.cli.run import run_recipe

    for name in ("sentiment-birnn", "sentiment-textcnn"):
        out = tmp_path / name
        record = run_recipe(name, "tiny", out=out, device="cpu", progress=False)
        m = record["metrics"]
        assert m["test_acc"] > 0.9 and m["majority_floor"] == 0.5, record["summary"]
        assert "per class (test): negative" in record["summary"]
        assert (out / "confusion.png").is_file() and (out / "vocab.json").is_file()
        capsys.readouterr()
        assert main(["classify", str(out), "a great and wonderful film"]) == 0
        assert capsys.readouterr().out.startswith("positive (")
        assert main(["classify", str(out), "the worst and most boring plot"]) == 0
        assert capsys.readouterr().out.startswith("negative (")
    # bad input: one line each, never a traceback
    out = tmp_path / "sentiment-birnn"
    assert main(["classify", str(out), "   "]) == 2
    assert "the review is empty" in capsys.readouterr().err
    assert main(["classify", str(out), "zzz qqq"]) == 0
    assert "no word of the review is in the vocabulary" in capsys.readouterr().out
    assert main(["classify", str(out), " ".join(["great"] * 100_000)]) == 0
    assert "read the first 40 of 100,000 tokens" in capsys.readouterr().out
    assert main(["classify", str(out), "b\udcff\udcfe great"]) == 0  # undecodable bytes from a shell
    capsys.readouterr()


def test_vectors_from_a_glove_file_and_from_the_training_reviews(tmp_path):
    from dive.cli.run import run_recipe

    glove = tmp_path / "glove.txt"
    glove.write_text("great 1 0 0 0\nawful -1 0 0 0\nfilm 0 1 0 0\n")
    record = run_recipe("sentiment-birnn", "tiny", out=tmp_path / "g", device="cpu", progress=False,
                        overrides=[f"--vectors={glove}", "--embed_size=4"])  # fmt: skip
    assert "glove.txt, 3 of" in record["summary"] and "fixed" in record["summary"]
    record = run_recipe("sentiment-textcnn", "tiny", out=tmp_path / "i", device="cpu", progress=False,
                        overrides=["--vectors=imdb"])  # fmt: skip
    assert "skip-gram trained on the training reviews" in record["summary"] and record["metrics"]["test_acc"] > 0.9


def test_wrong_vectors_are_one_clear_error(tmp_path):
    from dive.cli.run import run_recipe
    from dive.core import ConfigError

    glove = tmp_path / "glove.txt"
    glove.write_text("great 1 0 0 0\n")
    with pytest.raises(ConfigError, match="set --embed_size=4"):
        run_recipe("sentiment-birnn", "tiny", out=tmp_path / "a", device="cpu", progress=False,
                   overrides=[f"--vectors={glove}"])  # fmt: skip
    with pytest.raises(ConfigError, match="no such file or run folder"):
        run_recipe("sentiment-birnn", "tiny", out=tmp_path / "b", device="cpu", progress=False,
                   overrides=[f"--vectors={tmp_path / 'missing.txt'}"])  # fmt: skip


def test_the_books_padded_pipeline_still_runs(tmp_path):
    from dive.cli.run import run_recipe

    record = run_recipe("sentiment-textcnn", "tiny", out=tmp_path / "p", device="cpu", progress=False,
                        overrides=["--bucket=false"])  # fmt: skip
    assert record["metrics"]["test_acc"] > 0.9


@pytest.mark.slow
def test_a_real_imdb_model_gets_the_books_examples_right(tmp_path, data_root, capsys):
    """Book §16.3.3: 'this movie is so great' is positive, 'this movie is so bad' negative (textCNN, 6,000 real
    training reviews with dive's IMDb word vectors, 2 epochs: a cut-down quick profile)."""
    from dive.cli.main import main
    from dive.cli.run import run_recipe

    out = tmp_path / "t"
    record = run_recipe("sentiment-textcnn", "quick", overrides=["--train_size=6000", "--test_size=2000",
                        "--max_epochs=2"], out=out, device="cpu", data_root=str(data_root), progress=False)  # fmt: skip
    assert record["metrics"]["test_acc"] > 0.75, record["summary"]
    capsys.readouterr()
    for text, label in (("this movie is so great", "positive"), ("this movie is so bad", "negative")):
        assert main(["classify", str(out), text]) == 0
        assert capsys.readouterr().out.startswith(f"{label} (")
