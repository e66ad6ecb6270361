"""`dive bench word2vec` on a small synthetic corpus: three contenders, the same table, honest ratios."""

import pytest


def test_the_bench_times_both_trainers_and_the_books_data_pipeline():
    pytest.importorskip("gensim")
    from dive.bench.word2vec import book_style_data, format_word2vec_bench, run_word2vec_bench
    from dive.data.word_windows import topic_sentences

    sentences = topic_sentences(n_sentences=400, seed=2)
    assert book_style_data(sentences) > 0
    rows = run_word2vec_bench(sentences, epochs=1, rounds=2)
    assert [r.get("key") for r in rows] == [None, "dive", "dive-adam", "gensim"]
    assert all(r["words_per_s"] > 0 and len(r["rounds"]) == 2 for r in rows[1:]) and rows[1]["loss"] > 0
    table = format_word2vec_bench(rows)
    assert "(word2vec's SGD) / gensim: speed" in table and "(Adam, the book's) / gensim" in table
    assert "data pipeline: book-style" in table


def test_the_fasttext_and_cbow_benches_run_dive_against_gensims():
    pytest.importorskip("gensim")
    from dive.bench.word2vec import format_word2vec_bench, run_word2vec_bench
    from dive.data.word_windows import topic_sentences

    for model in ("fasttext", "cbow"):
        rows = run_word2vec_bench(topic_sentences(n_sentences=300, seed=2), epochs=1, rounds=1, model=model,
                                  contenders=("dive", "gensim"), book_data=False)  # fmt: skip
        assert [r["key"] for r in rows] == ["dive", "gensim"] and "speed" in format_word2vec_bench(rows)


def test_the_benchs_settings_are_the_recipes_quick_profiles():
    from dive.bench import word2vec as bench
    from dive.recipes import RECIPES

    w2v, ft, cbow = (RECIPES[n].config("quick") for n in ("word2vec", "fasttext", "word2vec-cbow"))
    for cfg, model in ((w2v, "skipgram"), (ft, "fasttext"), (cbow, "cbow")):
        assert (cfg.optimizer, cfg.lr, cfg.batch_size) == ("sgd", bench.SGD_LR[model], bench.SGD_BATCH[model])
    assert cbow.context_grad == "whole"
    book = RECIPES["word2vec"].config("book")
    assert (book.optimizer, book.lr, book.batch_size) == ("adam", bench.ADAM_LR, bench.ADAM_BATCH)
