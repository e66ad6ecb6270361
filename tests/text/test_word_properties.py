"""Property tests on random corpora (issue 17): windows, noise words, Huffman codes and BPE hold their
invariants for any corpus hypothesis draws, not only the hand-worked ones."""

from collections import Counter

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dive.data.word_windows import centers_and_contexts, noise_words
from dive.text.bpe import END, learn_bpe
from dive.text.huffman import huffman_paths

# a corpus: 1-6 sentences of 1-12 word ids in 1..9 (0 is <unk>, never a word here)
sentences = st.lists(st.lists(st.integers(1, 9), min_size=1, max_size=12), min_size=1, max_size=6)


def flat(corpus):
    ids = torch.tensor([w for s in corpus for w in s])
    sent = torch.tensor([i for i, s in enumerate(corpus) for _ in s])
    return ids, sent


@settings(max_examples=60, deadline=None)
@given(corpus=sentences, window=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_contexts_are_neighbours_within_the_window_and_the_sentence(corpus, window, seed):
    ids, sent = flat(corpus)
    g = torch.Generator().manual_seed(seed)
    centers, contexts, n = centers_and_contexts(ids, sent, window, g)
    assert contexts.shape[1] == 2 * window and (n >= 1).all() and (n <= 2 * window).all()
    # every sentence of length >= 2 contributes every position as a centre (each has a neighbour at distance 1)
    assert len(centers) == sum(len(s) for s in corpus if len(s) >= 2)
    assert (contexts[torch.arange(contexts.shape[1]) >= n[:, None]] == 0).all()  # padding after the words
    words_in = Counter()
    for s in corpus:
        if len(s) >= 2:
            words_in.update(s)
    assert Counter(centers.tolist()) == words_in


@settings(max_examples=40, deadline=None)
@given(corpus=sentences, k=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_noise_words_never_repeat_a_context_of_their_row_and_never_draw_unk(corpus, k, seed):
    ids, sent = flat(corpus)
    g = torch.Generator().manual_seed(seed)
    _, contexts, n = centers_and_contexts(ids, sent, 2, g)
    if len(n) == 0:
        return
    counts = torch.bincount(ids, minlength=40)
    counts[20:] = 5  # words 20..39 exist only as noise, so a draw clear of every context always exists
    noise = noise_words(contexts, n, counts, k, g)
    for row, ctx, m in zip(noise.tolist(), contexts.tolist(), n.tolist()):
        drawn = row[: m * k]
        assert all(w != 0 for w in drawn) and not set(drawn) & set(ctx[:m])
        assert all(w == 0 for w in row[m * k :])


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.integers(1, 1000), min_size=2, max_size=40))
def test_huffman_codes_are_prefix_free_and_kraft_tight(counts):
    _, codes, lengths = huffman_paths(counts)
    words = ["".join(map(str, c[:n])) for c, n in zip(codes.tolist(), lengths.tolist())]
    assert len(set(words)) == len(words)
    assert not any(a != b and b.startswith(a) for a in words for b in words)  # prefix-free
    assert sum(2.0 ** -len(w) for w in words) == 1.0  # a full binary tree: Kraft's sum is exactly 1
    # more frequent words never get longer codes than less frequent ones
    order = sorted(range(len(counts)), key=lambda i: counts[i])
    for lo, hi in zip(order, order[1:]):
        assert counts[lo] == counts[hi] or lengths[hi] <= lengths[lo]


@settings(max_examples=40, deadline=None)
@given(words=st.dictionaries(st.text("abcde", min_size=1, max_size=7), st.integers(1, 20), min_size=1, max_size=10),
       merges=st.integers(0, 15), tie=st.sampled_from(["first", "lowest"]))  # fmt: skip
def test_bpe_pieces_spell_each_training_word_and_segment_covers_it(words, merges, tie):
    freqs = {w + END: f for w, f in words.items()}
    bpe = learn_bpe(freqs, merges, tie=tie)
    assert len(bpe.symbols) == len(set("".join(freqs))) + len(bpe.merges)
    for pieces in bpe.words:
        assert "".join(pieces) in freqs and all(p in bpe.symbols for p in pieces)
    for token, seg in zip(freqs, bpe.segment(list(freqs))):
        assert seg.replace(" ", "") == token  # the alphabet covers every training word: no [UNK]
