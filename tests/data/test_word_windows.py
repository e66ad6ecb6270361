"""word2vec's data (book §15.3): subsampling, windows and noise words built with tensor ops, checked by hand."""

import math

import pytest
import torch

from dive.core import DiveError
from dive.data.word_windows import (
    centers_and_contexts,
    keep_probability,
    noise_words,
    skipgram_arrays,
    topic_sentences,
    word2vec_data,
)


def test_keep_probability_is_the_books_formula():
    counts = torch.tensor([0, 9_000, 100, 900])  # word 0 never occurs; f = 0.9, 0.01, 0.09
    p = keep_probability(counts, threshold=1e-4)
    assert p[0] == 0 and p[2] == pytest.approx(math.sqrt(1e-4 / 0.01)) and p[1] == pytest.approx(math.sqrt(1e-4 / 0.9))
    assert keep_probability(torch.tensor([1, 1]), threshold=1.0).tolist() == [1.0, 1.0]  # capped at 1


def test_windows_stay_inside_their_sentence_and_their_drawn_size():
    # two sentences: ids 1..4 and 5..6; window at most 2
    ids, sent = torch.tensor([1, 2, 3, 4, 5, 6]), torch.tensor([0, 0, 0, 0, 1, 1])
    g = torch.Generator().manual_seed(0)
    centers, contexts, n = centers_and_contexts(ids, sent, 2, g)
    assert centers.tolist() == [1, 2, 3, 4, 5, 6]
    for c, row, k in zip(centers.tolist(), contexts.tolist(), n.tolist()):
        got = row[:k]
        assert c not in got and all(x != 0 for x in got) and all(x == 0 for x in row[k:])
        same = [1, 2, 3, 4] if c <= 4 else [5, 6]
        assert set(got) <= set(same) and all(abs(x - c) <= 2 for x in got)
        assert got == sorted(got)  # left then right, in sentence order
    # a window of 1 everywhere: exactly the neighbours
    _, contexts, n = centers_and_contexts(ids, sent, 1, g)
    assert [r[:k] for r, k in zip(contexts.tolist(), n.tolist())] == [[2], [1, 3], [2, 4], [3], [6], [5]]


def test_a_lone_word_gives_no_pair():
    centers, _, _ = centers_and_contexts(torch.tensor([1, 2, 3]), torch.tensor([0, 1, 1]), 3, torch.Generator())
    assert centers.tolist() == [2, 3]


def test_noise_words_follow_counts_to_the_three_quarters_and_never_hit_a_context():
    g = torch.Generator().manual_seed(0)
    counts = torch.tensor([50, 1, 16, 81, 0])  # <unk> and a never-seen word are never drawn
    contexts = torch.tensor([[3, 0], [2, 1]])
    n_ctx = torch.tensor([1, 2])
    neg = noise_words(contexts, n_ctx, counts, 3, g)
    assert neg.shape == (2, 6) and (neg[0, 3:] == 0).all()
    assert not (neg[0, :3] == 3).any() and not torch.isin(neg[1], torch.tensor([2, 1])).any()
    many = noise_words(torch.zeros(20000, 1, dtype=torch.long), torch.ones(20000, dtype=torch.long), counts, 1, g)
    share = torch.bincount(many[:, 0], minlength=5).double() / 20000
    w = torch.tensor([0, 1, 16, 81, 0.0]) ** 0.75
    assert share.tolist() == pytest.approx((w / w.sum()).tolist(), abs=0.02)


def test_rows_put_contexts_then_noise_then_padding():
    arr = skipgram_arrays(torch.tensor([[7, 8], [9, 0]]), torch.tensor([2, 1]),
                          torch.tensor([[1, 2, 3, 4], [5, 6, 0, 0]]), 2, torch.tensor([1, 2]))  # fmt: skip
    assert arr.contexts_negatives.tolist() == [[7, 8, 1, 2, 3, 4], [9, 5, 6, 0, 0, 0]]
    assert arr.masks.tolist() == [[1] * 6, [1, 1, 1, 0, 0, 0]] and arr.labels.tolist()[1] == [1, 0, 0, 0, 0, 0]


def test_the_whole_corpus_is_built_with_tensor_ops_and_reproducibly():
    sentences = topic_sentences(n_sentences=300, seed=1)
    a, vocab, counts = word2vec_data(sentences, min_freq=1, threshold=1e-2, seed=3)
    b, _, _ = word2vec_data(sentences, min_freq=1, threshold=1e-2, seed=3)
    assert torch.equal(a.contexts_negatives, b.contexts_negatives) and len(a) > 1000
    assert ((a.labels == 1) <= (a.masks == 1)).all() and (a.masks.sum(1) == 6 * a.labels.sum(1)).all()
    assert int(counts.sum()) == sum(len(s) for s in sentences)


def test_bad_corpora_are_one_clear_error():
    with pytest.raises(DiveError, match="the corpus is empty"):
        word2vec_data([])
    with pytest.raises(DiveError, match="too few to train on"):
        word2vec_data([["a", "b"]], min_freq=10)
    with pytest.raises(DiveError, match="max_window_size must be"):
        word2vec_data(topic_sentences(50), min_freq=1, max_window_size=0)


@pytest.mark.slow
def test_ptb_gives_the_books_vocabulary_and_about_its_pair_count(data_root):
    from dive.data.word_windows import read_ptb

    sentences = read_ptb(data_root)
    data, vocab, _ = word2vec_data(sentences)
    assert len(sentences) == 42068 and len(vocab) == 6719
    assert abs(int(data.labels.sum()) - 1_503_420) < 5_000  # the book prints 1,503,420 pairs (its own draw)


def test_cbow_rows_are_contexts_in_and_centre_plus_noise_out():
    sentences = topic_sentences(n_sentences=200, seed=4)
    arr, vocab, _ = word2vec_data(sentences, min_freq=1, threshold=1e-2, num_noise_words=3, cbow=True)
    assert arr.centers.shape[1] == 10 and arr.contexts_negatives.shape[1] == 4
    assert (arr.labels[:, 0] == 1).all() and (arr.labels[:, 1:] == 0).all() and (arr.masks == 1).all()
    centre = arr.contexts_negatives[:, :1]
    assert not (arr.contexts_negatives[:, 1:] == centre).any()  # noise never equals the centre
    assert ((arr.centers != 0).sum(1) >= 1).all()
