"""Byte pair encoding (book §15.6.2): the book's merges and segmentations exactly, and HF tokenizers' trainer."""

import pytest

from dive.text.bpe import _merge, learn_bpe, word_freqs

BOOK_SYMBOLS = [*"abcdefghijklmnopqrstuvwxyz", "_", "[UNK]"]
BOOK_WORDS = {"fast_": 4, "faster_": 3, "tall_": 5, "taller_": 4}


def test_the_books_ten_merges_symbols_and_segmentations():
    bpe = learn_bpe(BOOK_WORDS, 10, BOOK_SYMBOLS)
    assert bpe.merges == [("t", "a"), ("ta", "l"), ("tal", "l"), ("f", "a"), ("fa", "s"), ("fas", "t"),
                          ("e", "r"), ("er", "_"), ("tall", "_"), ("fast", "_")]  # fmt: skip
    assert bpe.symbols[-10:] == ["ta", "tal", "tall", "fa", "fas", "fast", "er", "er_", "tall_", "fast_"]
    assert [" ".join(w) for w in bpe.words] == ["fast_", "fast er_", "tall_", "tall er_"]  # the book's keys
    assert bpe.segment(["tallest_", "fatter_"]) == ["tall e s t _", "fa t t er_"]
    assert bpe.segment(["fast!"]) == ["fast [UNK]"]


def test_merging_symbol_lists_never_joins_across_a_boundary():
    assert _merge(("ab", "c"), ("b", "c")) == ("ab", "c")  # the book's str.replace would give "abc"
    assert _merge(("a", "a", "a"), ("a", "a")) == ("aa", "a")


def test_hf_tokenizers_learns_the_same_merges_when_ties_go_to_the_lowest_ids():
    tokenizers = pytest.importorskip("tokenizers")
    import json

    tok = tokenizers.Tokenizer(tokenizers.models.BPE(unk_token="[UNK]"))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.WhitespaceSplit()
    alphabet = BOOK_SYMBOLS[:-1]
    trainer = tokenizers.trainers.BpeTrainer(vocab_size=len(alphabet) + 1 + 10, special_tokens=["[UNK]"],
                                             initial_alphabet=alphabet, show_progress=False)  # fmt: skip
    tok.train_from_iterator([w for w, f in BOOK_WORDS.items() for _ in range(f)], trainer)
    hf = [tuple(m) for m in json.loads(tok.to_str())["model"]["merges"]]
    assert learn_bpe(BOOK_WORDS, 10, alphabet, tie="lowest").merges == hf
    book = learn_bpe(BOOK_WORDS, 10, alphabet).merges
    assert book != hf and set(book[:3] + hf[:3]) >= {("t", "a"), ("a", "l")}  # only the tie-breaks differ:
    assert sorted(book[:3]) != sorted(hf[:3])  # (t,a), (a,l), (l,l) all occur 9 times; each rule picks its own


def test_a_real_corpus_makes_frequent_words_single_symbols():
    sentences = [["the", "cat", "sat"], ["the", "cat", "ran"], ["the", "dog", "sat"]] * 5
    bpe = learn_bpe(word_freqs(sentences), 12)
    assert "the_" in bpe.symbols and bpe.segment(["the_"]) == ["the_"]
    with pytest.raises(ValueError, match="tie is"):
        learn_bpe(BOOK_WORDS, 1, tie="random")
