"""BERT's pretraining data (book §15.9): paragraphs, <cls>/<sep> and segments, the 80/10/10 masking, padding."""

import random

import pytest

from dive.core import DiveError
from dive.data.wikitext import bert_arrays, mask_tokens, paragraphs_of, tokens_and_segments, wiki_vocab


def test_paragraphs_need_two_sentences_and_are_lower_cased():
    lines = [" = Title = ", " The cat sat . It ran away . ", " One sentence only "]
    assert paragraphs_of(lines) == [[["the", "cat", "sat"], ["it", "ran", "away", "."]]]


def test_tokens_and_segments_are_the_books():
    assert tokens_and_segments(["a", "b"], ["c"]) == (["<cls>", "a", "b", "<sep>", "c", "<sep>"], [0, 0, 0, 0, 1, 1])
    assert tokens_and_segments(["a"]) == (["<cls>", "a", "<sep>"], [0, 0, 0])


def test_masking_chooses_15_percent_and_replaces_80_10_10():
    vocab = wiki_vocab([[[f"w{i}" for i in range(50)]]], min_freq=1)
    rng = random.Random(0)
    tokens = ["<cls>", *(f"w{i}" for i in range(38)), "<sep>"]  # 40 tokens: 6 predictions
    masked = same = other = 0
    for _ in range(2000):
        ids, pos, labels = mask_tokens(tokens, vocab, rng)
        assert len(pos) == 6 and pos == sorted(pos) and 0 not in pos and 39 not in pos
        assert labels == vocab[[tokens[i] for i in pos]]
        for i in pos:
            masked += ids[i] == vocab["<mask>"]
            same += ids[i] == vocab[tokens[i]]
        other += sum(ids[i] not in (vocab["<mask>"], vocab[tokens[i]]) for i in pos)
    n = 2000 * 6
    assert masked / n == pytest.approx(0.8, abs=0.02) and same / n == pytest.approx(0.1, abs=0.02)
    assert other / n == pytest.approx(0.1, abs=0.02)


def test_arrays_pad_tokens_and_predictions_and_split_next_sentences_about_half():
    pars = [[[f"s{p}", "x", "y"], [f"t{p}", "z"], ["u", "v", "w"]] for p in range(100)]
    vocab = wiki_vocab(pars, min_freq=1)
    a = bert_arrays(pars, vocab, max_len=12, seed=0)
    assert a.tokens.shape == (200, 12) and a.pred_positions.shape == (200, 2)  # round(0.15 * 12)
    assert (a.tokens[:, 0] == vocab["<cls>"]).all()
    k = int(a.valid_lens[0])
    assert (a.tokens[0, k:] == vocab["<pad>"]).all() and 0.35 < a.nsp_labels.float().mean() < 0.65
    with pytest.raises(DiveError, match="no sentence pair fits"):
        bert_arrays(pars, vocab, max_len=6)
