"""Vocab and tokenization: golden values worked out by hand on tiny corpora, and the round-trip property."""

import random

import pytest

from dive.text import UNK, Vocab, ngram_freqs, ngrams, preprocess, tokenize, tokenize_lines


def test_preprocess_keeps_letters_and_spaces_lower_case():
    assert preprocess("The Time-Machine, by H. G. Wells [1898]\n") == "the time machine by h g wells "


def test_tokenize_char_and_word():
    assert tokenize("ab c", "char") == ["a", "b", " ", "c"]
    assert tokenize("the  time machine", "word") == ["the", "time", "machine"]
    assert tokenize_lines(["a b", "c"]) == [["a", "b"], ["c"]]
    with pytest.raises(ValueError, match="char, word"):
        tokenize("x", "byte")


def test_vocab_orders_by_frequency_then_token():
    # counts: b 3, a 2, c 2, d 1  ->  <unk>, b, a, c, d (a before c: same count, alphabetical)
    vocab = Vocab(list("abcbacbd"))
    assert vocab.idx_to_token == [UNK, "b", "a", "c", "d"]
    assert vocab["c"] == 3 and vocab[["d", "b"]] == [4, 1]
    assert vocab["zebra"] == vocab.unk == 0
    assert vocab.to_tokens([1, 2]) == ["b", "a"] and vocab.to_tokens(4) == "d"
    assert len(vocab) == 5 and "a" in vocab and "z" not in vocab


def test_vocab_min_freq_and_reserved_tokens():
    vocab = Vocab([["x", "y", "x"], ["z", "x", "y"]], min_freq=2, reserved_tokens=["<pad>", "<bos>"])
    assert vocab.idx_to_token == [UNK, "<pad>", "<bos>", "x", "y"]  # z (once) falls below min_freq
    assert vocab["z"] == 0 and vocab.token_freqs[0] == ("x", 3)
    with pytest.raises(ValueError, match="repeat"):
        Vocab(["a"], reserved_tokens=["<pad>", "<pad>"])


def test_vocab_round_trip_property():
    rng = random.Random(0)
    for _ in range(50):
        tokens = [rng.choice("abcdefg ") * rng.randint(1, 3) for _ in range(rng.randint(1, 40))]
        vocab = Vocab(tokens, min_freq=rng.randint(0, 2))
        known = [t for t in tokens if t in vocab]
        assert vocab.to_tokens(vocab[known]) == known


def test_vocab_saves_and_loads_identically(tmp_path):
    vocab = Vocab(list("the time machine"), reserved_tokens=["<eos>"])
    again = Vocab.load(vocab.save(tmp_path / "vocab.json"))
    assert again.idx_to_token == vocab.idx_to_token and again.token_freqs == vocab.token_freqs
    assert again["m"] == vocab["m"]
    (tmp_path / "bad.json").write_text('{"idx_to_token": ["a"]}')
    with pytest.raises(ValueError, match="<unk>"):
        Vocab.load(tmp_path / "bad.json")


def test_ngrams_and_frequencies():
    toks = ["a", "b", "a", "b", "c"]
    assert ngrams(toks, 2) == [("a", "b"), ("b", "a"), ("a", "b"), ("b", "c")]
    assert ngram_freqs(toks, 2) == [(("a", "b"), 2), (("b", "a"), 1), (("b", "c"), 1)]
    assert ngram_freqs(toks, 3)[0] == (("a", "b", "a"), 1)
    with pytest.raises(ValueError):
        ngrams(toks, 0)


def test_zipf_exponent_recovers_a_known_power_law(tmp_path):
    from dive.plot import plot_zipf
    from dive.text import zipf_exponent

    counts = [round(1e6 / i**1.5) for i in range(1, 400)]
    assert zipf_exponent(counts) == pytest.approx(1.5, abs=0.01)
    with pytest.raises(ValueError):
        zipf_exponent([5, 3], skip=10)
    assert plot_zipf({"unigram": counts}, tmp_path / "z.png").stat().st_size > 0
