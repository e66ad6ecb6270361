"""`dive bench word2vec` on a small synthetic corpus: three contenders, the same table, honest ratios."""

import pytest


def test_the_bench_times_both_trainers_and_the_books_data_pipeline():
    pytest.importorskip("gensim")
    from dive.bench.word2vec import book_style_data, format_word2vec_bench, run_word2vec_bench
    from dive.data.word_windows import topic_sentences

    sentences = topic_sentences(n_sentences=400, seed=2)
    assert book_style_data(sentences) > 0
    rows = run_word2vec_bench(sentences, epochs=1)
    assert [r["name"].split()[0] for r in rows] == ["book-style", "dive", "gensim"]
    assert all(r["words_per_s"] > 0 for r in rows[1:]) and rows[1]["loss"] > 0
    table = format_word2vec_bench(rows)
    assert "dive / gensim: speed" in table and "data pipeline: book-style" in table
