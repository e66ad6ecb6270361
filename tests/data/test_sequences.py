"""The Time Machine corpus and the three language-model batch schemes (book §9.2-9.3)."""

import pytest
import torch

from dive.data import (
    RandomSeqLoader,
    SequentialSeqLoader,
    build_corpus,
    fake_text,
    load_time_machine,
    sine_data,
    window_loaders,
    windows,
)
from dive.text import Vocab

CORPUS = torch.arange(100)  # token i at position i: a batch's values are its positions


def test_real_time_machine_matches_the_book(data_root):
    chars = load_time_machine(data_root)
    assert len(chars) == 173428 and len(chars.vocab) == 28
    assert chars.vocab.to_tokens(chars.ids[:13].tolist()) == list("the time mach")
    words = load_time_machine(data_root, token="word")
    assert len(words) == 32775 and len(words.vocab) == 4580
    assert words.vocab.token_freqs[:3] == [("the", 2261), ("i", 1267), ("and", 1245)]
    assert len(load_time_machine(data_root, max_tokens=10000)) == 10000


def test_corpus_split_holds_out_the_tail():
    corpus = build_corpus("abc " * 25)
    train, valid = corpus.split(0.2)
    assert train.numel() == 80 and torch.equal(torch.cat([train, valid]), corpus.ids)
    with pytest.raises(ValueError):
        corpus.split(1.5)


def test_random_sampling_gives_disjoint_shifted_subsequences():
    loader = RandomSeqLoader(CORPUS, batch_size=2, num_steps=5, seed=0)
    batches = list(loader.epoch(0))
    assert len(batches) == len(loader) == ((100 - 5) // 5) // 2
    starts = []
    for X, Y in batches:
        assert X.shape == (2, 5) and torch.equal(Y, X + 1)
        assert torch.equal(X[:, 1:] - X[:, :-1], torch.ones(2, 4, dtype=torch.long))  # contiguous
        starts += X[:, 0].tolist()
    offset = starts[0] % 5
    assert all(s % 5 == offset for s in starts) and len(set(starts)) == len(starts)  # one grid, no repeats
    assert torch.equal(batches[3][0], list(loader.epoch(0, start=3))[0][0])  # resumable
    assert any(not torch.equal(a[0], b[0]) for a, b in zip(loader.epoch(0), loader.epoch(1)))


def test_sequential_partitioning_continues_each_row_across_batches():
    loader = SequentialSeqLoader(CORPUS, batch_size=2, num_steps=5, seed=0)
    batches = list(loader.epoch(0))
    assert len(batches) == len(loader) > 2
    for (X0, _), (X1, Y1) in zip(batches, batches[1:]):
        assert torch.equal(X1[:, 0], X0[:, -1] + 1)  # row r of batch k+1 continues row r of batch k
        assert torch.equal(Y1, X1 + 1)
    assert loader.carries_state and not RandomSeqLoader.carries_state
    fixed = SequentialSeqLoader(CORPUS, batch_size=2, num_steps=5, random_offset=False)
    assert list(fixed.epoch(0))[0][0][0, 0] == 0 and list(fixed.epoch(3))[0][0][0, 0] == 0


def test_loaders_refuse_a_corpus_too_short():
    with pytest.raises(ValueError, match="too short"):
        SequentialSeqLoader(torch.arange(10), batch_size=4, num_steps=5)
    with pytest.raises(ValueError, match="1-D"):
        RandomSeqLoader(torch.zeros(3, 40, dtype=torch.long), batch_size=1, num_steps=2)


def test_window_loaders_follow_d2l_1_0():
    X, Y = windows(CORPUS, num_steps=4, first=10, count=3)
    assert X.tolist() == [[10, 11, 12, 13], [11, 12, 13, 14], [12, 13, 14, 15]] and torch.equal(Y, X + 1)
    train, valid = window_loaders(CORPUS, batch_size=8, num_steps=4, num_train=40, num_val=20)
    assert train.num_examples == 40 and valid.num_examples == 20
    assert list(valid.epoch(0))[0][0][0, 0] == 40
    with pytest.raises(ValueError, match="need"):
        window_loaders(CORPUS, batch_size=8, num_steps=4, num_train=90, num_val=20)


def test_sine_data_and_fake_text_are_seeded():
    t, x = sine_data(T=1000, seed=0)
    assert t[0] == 1 and x.shape == (1000,) and torch.equal(x, sine_data(T=1000, seed=0)[1])
    assert 0.15 < (x - torch.sin(0.01 * t)).std() < 0.25
    text = fake_text(200, seed=1)
    assert text == fake_text(200, seed=1) and set(text) <= set("abcdefghijklmnopqrstuvwxyz ")
    assert len(Vocab(list(text))) < 28
