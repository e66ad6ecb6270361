"""The data of word2vec (book §15.3): PTB, subsampling, centre/context windows, negative sampling, batches.

The book builds every centre/context pair and every noise word in Python loops (minutes over PTB); here each
stage is a few tensor operations over the whole corpus at once (about a second), with the book's rules:

- subsampling (§15.3.2): a word w of relative frequency f(w) is kept with probability min(1, sqrt(1e-4 / f(w))),
  so "the" (f = 5%) keeps ~4.5% of its occurrences and rare words all of theirs; `<unk>` is dropped.
- windows (§15.3.3): for each centre a window size is drawn uniformly from 1..max_window_size; the contexts are
  the words of the same sentence at most that far away. Sentences shorter than two words give no pairs.
- negatives (§15.3.4): `num_noise_words` noise words per context word, drawn from unigram frequency ^ 0.75,
  redrawn while they equal one of the centre's context words.
- batches (§15.3.5): per centre, its contexts then its noise words, padded with 0 to the longest row;
  `masks` marks the real entries, `labels` the contexts.

Like the book, everything random is drawn once, before training; the same seed gives the same arrays.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from dive.core import DiveError
from dive.data.catalog import PTB
from dive.data.files import locate
from dive.data.loader import ArrayLoader
from dive.text import Vocab

HAVE_NUMBA = importlib.util.find_spec("numba") is not None  # imported on first use (~0.16 s), else torch ops


def read_ptb(root: str | os.PathLike | None = None, split: str = "train") -> list[list[str]]:
    """PTB's sentences as token lists (the book's `read_ptb`): 42,068 training sentences."""
    if split not in ("train", "valid"):
        raise DiveError(f"PTB split is train or valid, got {split!r}")
    text = (locate(PTB, root) / f"ptb.{split}.txt").read_text(encoding="utf-8")
    return [line.split() for line in text.split("\n") if line.strip()]


def flatten(sentences: Sequence[Sequence[str]], vocab: Vocab) -> tuple[Tensor, Tensor]:
    """Known words of every sentence, concatenated: (ids int64 (T,), sentence index int64 (T,)); `<unk>` dropped."""
    get, unk = vocab.token_to_idx.get, vocab.unk
    lengths = torch.tensor([len(s) for s in sentences], dtype=torch.long)
    flat = torch.tensor([get(t, unk) for s in sentences for t in s], dtype=torch.long)
    sent = torch.repeat_interleave(torch.arange(len(sentences)), lengths)
    keep = flat != vocab.unk
    return flat[keep], sent[keep]


def keep_probability(counts: Tensor, threshold: float = 1e-4) -> Tensor:
    """Per word id, the chance an occurrence survives subsampling: min(1, sqrt(threshold / f)), f = count / total."""
    freq = counts.double() / counts.sum()
    return torch.where(counts > 0, (threshold / freq.clamp_min(1e-30)).sqrt().clamp(max=1.0), torch.zeros_like(freq))


def subsample(ids: Tensor, sent: Tensor, vocab_size: int, generator: torch.Generator, threshold: float = 1e-4):
    """Drop frequent words at random (see the module docstring); returns the kept (ids, sent) and the word counts
    before subsampling (int64 (vocab_size,)), which the noise distribution uses, as in the book."""
    counts = torch.bincount(ids, minlength=vocab_size)
    keep = torch.rand(ids.numel(), generator=generator, dtype=torch.float64) < keep_probability(counts, threshold)[ids]
    return ids[keep], sent[keep], counts


def centers_and_contexts(ids: Tensor, sent: Tensor, max_window_size: int, generator: torch.Generator):
    """Every position with at least one context word: (centers (N,), contexts (N, 2 * max_window_size) padded
    with 0, n_contexts (N,)). Contexts keep their order in the sentence (left then right)."""
    if max_window_size < 1:
        raise DiveError(f"max_window_size must be >= 1, got {max_window_size}")
    n = ids.numel()
    window = torch.randint(1, max_window_size + 1, (n,), generator=generator)
    offsets = torch.tensor([d for d in range(-max_window_size, max_window_size + 1) if d != 0])
    pos = torch.arange(n)[:, None] + offsets  # (n, 2w)
    inside = (pos >= 0) & (pos < n)
    pos = pos.clamp(0, max(n - 1, 0))
    valid = inside & (sent[pos] == sent[:, None]) & (offsets.abs() <= window[:, None])
    count = valid.sum(1)
    has = count > 0
    order = torch.sort((~valid[has]).to(torch.int8), dim=1, stable=True).indices  # valid ones first, in order
    contexts = torch.gather(torch.where(valid[has], ids[pos[has]], 0), 1, order)
    return ids[has], contexts, count[has]


def noise_words(contexts: Tensor, n_contexts: Tensor, counts: Tensor, num_noise_words: int,
                generator: torch.Generator) -> Tensor:  # fmt: skip
    """(N, 2w * K) noise words from counts ^ 0.75 (word 0, `<unk>`, never), none equal to a context word of its
    row; row i uses its first K * n_contexts[i] entries (the rest are padding)."""
    weights = counts.double() ** 0.75
    weights[0] = 0
    cdf = torch.cumsum(weights / weights.sum(), 0)
    n, width = contexts.shape[0], contexts.shape[1] * num_noise_words
    out = torch.zeros(n, width, dtype=torch.long)
    rows, cols = (torch.arange(width) < (n_contexts * num_noise_words)[:, None]).nonzero(as_tuple=True)
    ctx_valid = torch.arange(contexts.shape[1]) < n_contexts[:, None]
    for _ in range(100):  # redraw the clashes; a handful of rounds empties the list
        if rows.numel() == 0:
            return out
        u = torch.rand(rows.numel(), generator=generator, dtype=torch.float64)
        draw = torch.searchsorted(cdf, u, right=True).clamp(max=len(cdf) - 1)  # inverse CDF: one draw each
        out[rows, cols] = draw
        clash = ((contexts[rows] == draw[:, None]) & ctx_valid[rows]).any(1)
        rows, cols = rows[clash], cols[clash]
    raise DiveError("could not draw noise words different from the contexts: the vocabulary is too small")


@dataclass(frozen=True)
class SkipGramArrays:
    """The whole epoch's data, padded to the widest row: centers int64 (N,), contexts_negatives int64 (N, L),
    masks and labels uint8 (N, L)."""

    centers: Tensor
    contexts_negatives: Tensor
    masks: Tensor
    labels: Tensor

    def __len__(self) -> int:
        return self.centers.numel()


def skipgram_arrays(contexts: Tensor, n_contexts: Tensor, negatives: Tensor, num_noise_words: int,
                    centers: Tensor) -> SkipGramArrays:  # fmt: skip
    """Join contexts and noise words row by row, real entries first (the book's `batchify`, for all rows). Both
    inputs are already packed to the left, so noise word j of row i goes to column n_contexts[i] + j."""
    n, c = contexts.shape
    width = int((n_contexts * (1 + num_noise_words)).max()) if n else 0
    words = torch.zeros(n, width + 1, dtype=torch.long)  # the last column takes the padding's writes, then goes
    k = min(c, width)
    words[:, :k] = contexts[:, :k]
    col = n_contexts[:, None] + torch.arange(negatives.shape[1])
    used = torch.arange(negatives.shape[1]) < (n_contexts * num_noise_words)[:, None]
    words.scatter_(1, torch.where(used, col, width), negatives)
    words = words[:, :width]
    pos = torch.arange(width)
    masks = pos < (n_contexts * (1 + num_noise_words))[:, None]
    labels = pos < n_contexts[:, None]
    return SkipGramArrays(centers, words * masks, masks.to(torch.uint8), labels.to(torch.uint8))


def trim_padding(batch: Sequence[Tensor]) -> tuple[Tensor, ...]:
    """(centers, contexts_negatives, masks, labels) with the padding columns cut to the batch's widest row (the
    book pads each batch to its own longest row): an `ArrayLoader` `batch_transform`."""
    centers, cn, masks, labels = batch
    width = int(masks.sum(1).max())
    return centers, cn[:, :width], masks[:, :width], labels[:, :width]


def flat_pairs(batch: Sequence[Tensor]) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """(centers, contexts_negatives, masks, labels) -> (centers (B,), rows (P,), words (P,), labels float (P,)):
    the batch's real entries, row by row, without padding (an `ArrayLoader` `batch_transform` for the models'
    `pair_logits`). CBOW batches work the same: their first tensor is the contexts (B, C)."""
    centers, cn, masks, labels = batch
    rows, cols = masks.nonzero(as_tuple=True)
    return centers, rows, cn[rows, cols], labels[rows, cols].float()


class PairLoader(ArrayLoader):
    """The batches of `ArrayLoader(centers, contexts_negatives, masks, labels)` + `flat_pairs`, the same ones in
    the same order, without gathering padded rows: every centre's real entries are laid out once, end to end,
    and each epoch's batches are cut from them a chunk of batches at a time (memory stays ~64 batches' worth)."""

    CHUNK = 64  # batches laid out per vectorised pass

    def __init__(self, arrays: SkipGramArrays, batch_size: int, shuffle: bool = True, seed: int = 0) -> None:
        super().__init__(arrays.centers, batch_size=batch_size, shuffle=shuffle, seed=seed)
        _, _, self.words, self.labels = flat_pairs((arrays.centers, arrays.contexts_negatives, arrays.masks,
                                                    arrays.labels))  # fmt: skip
        self.counts = arrays.masks.sum(1, dtype=torch.long)
        self.starts = self.counts.cumsum(0) - self.counts

    def epoch(self, epoch: int, start: int = 0) -> Iterator[tuple[Tensor, ...]]:
        if self.world_size > 1:
            raise DiveError("word2vec's pair batches run in one process")
        idx, b = self.order(epoch), self.batch_size
        for c0 in range(start, len(self), self.CHUNK):
            centres = idx[c0 * b : (c0 + self.CHUNK) * b]
            n = self.counts[centres]
            ends = n.cumsum(0)
            seg, words, labels = _gather_segments(centres, self.starts, n, ends, self.words, self.labels)
            for i in range(0, centres.numel(), b):
                e0, e1 = (int(ends[i - 1]) if i else 0), int(ends[min(i + b, centres.numel()) - 1])
                yield self.tensors[0][centres[i : i + b]], seg[e0:e1] - i, words[e0:e1], labels[e0:e1]


def _gather_segments(centres: Tensor, starts: Tensor, n: Tensor, ends: Tensor, words: Tensor,
                     labels: Tensor) -> tuple[Tensor, Tensor, Tensor]:  # fmt: skip
    """Centre i's n[i] entries from starts[centres[i]], end to end: (each entry's i (P,), words (P,), labels (P,));
    one compiled pass with numba, else a few tensor ops (each streams the chunk's P entries once)."""
    if HAVE_NUMBA:
        total = int(ends[-1]) if n.numel() else 0
        seg = torch.empty(total, dtype=torch.long)
        out_w, out_l = torch.empty(total, dtype=words.dtype), torch.empty(total, dtype=labels.dtype)
        arrays = (centres, starts, n, ends, words, labels, seg, out_w, out_l)
        _segments_kernel()(*(t.numpy() for t in arrays))
        return seg, out_w, out_l
    seg = torch.repeat_interleave(torch.arange(centres.numel()), n)  # each entry's centre in the chunk
    flat = starts[centres][seg] + torch.arange(seg.numel()) - (ends - n)[seg]
    return seg, words[flat], labels[flat]


@functools.cache  # compiled on first use
def _segments_kernel():
    import numba

    @numba.njit(parallel=True, cache=True)
    def gather(centres, starts, n, ends, words, labels, seg, out_w, out_l):  # pragma: no cover
        for i in numba.prange(centres.shape[0]):  # random reads: two threads wait on memory side by side
            s, pos = starts[centres[i]], ends[i] - n[i]
            for j in range(n[i]):
                seg[pos + j], out_w[pos + j], out_l[pos + j] = i, words[s + j], labels[s + j]

    return gather


def ptb_vocab(sentences: Sequence[Sequence[str]], min_freq: int = 10) -> Vocab:
    """The book's PTB vocabulary: words seen at least 10 times (6,719 with `<unk>`)."""
    vocab = Vocab(sentences, min_freq=min_freq)
    if len(vocab) < 3:
        raise DiveError(f"the corpus gives only {len(vocab) - 1} words seen {min_freq}+ times: too few to train on")
    return vocab


def word2vec_data(sentences: Sequence[Sequence[str]], max_window_size: int = 5, num_noise_words: int = 5,
                  min_freq: int = 10, seed: int = 0, threshold: float = 1e-4,
                  cbow: bool = False) -> tuple[SkipGramArrays, Vocab, Tensor]:  # fmt: skip
    """The book's `load_data_ptb` without the DataLoader: (arrays, vocab, word counts before subsampling).

    Skip-gram rows: a centre, then its contexts and K noise words per context. CBOW rows (`cbow=True`, §15.1.4)
    swap the roles: `centers` holds each centre's contexts (N, 2 * max_window_size; 0 = padding) and
    `contexts_negatives` the centre then K noise words (none equal to the centre)."""
    if not sentences or not any(sentences):
        raise DiveError("the corpus is empty: no sentences to train word vectors on")
    vocab = ptb_vocab(sentences, min_freq)
    g = torch.Generator().manual_seed(seed)
    ids, sent = flatten(sentences, vocab)
    ids, sent, counts = subsample(ids, sent, len(vocab), g, threshold)
    centers, contexts, n_ctx = centers_and_contexts(ids, sent, max_window_size, g)
    if centers.numel() == 0:
        raise DiveError("no sentence keeps two known words after subsampling: the corpus is too small")
    if cbow:
        one = torch.ones_like(n_ctx)
        negatives = noise_words(centers[:, None], one, counts, num_noise_words, g)
        return skipgram_arrays(centers[:, None], one, negatives, num_noise_words, contexts), vocab, counts
    negatives = noise_words(contexts, n_ctx, counts, num_noise_words, g)
    return skipgram_arrays(contexts, n_ctx, negatives, num_noise_words, centers), vocab, counts


def frequency_table(sentences: Sequence[Sequence[str]], words: Sequence[str]) -> dict[str, int]:
    """How often each of `words` occurs (the book's `compare_counts` helper)."""
    c = Counter(t for s in sentences for t in s)
    return {w: c[w] for w in words}


def expected_kept(count: int, total: int, threshold: float = 1e-4) -> float:
    """How many of a word's `count` occurrences subsampling keeps on average."""
    return count * min(1.0, math.sqrt(threshold / (count / total)))


def topic_sentences(n_sentences: int = 2000, n_topics: int = 8, words_per_topic: int = 12, length: int = 12,
                    seed: int = 0) -> list[list[str]]:  # fmt: skip
    """A synthetic stand-in for tests: each sentence draws one topic and `length` words of it (word "t3w7" is
    word 7 of topic 3), plus a shared filler word "the", so words of one topic should end up near each other."""
    g = torch.Generator().manual_seed(seed)
    topics = torch.randint(0, n_topics, (n_sentences,), generator=g)
    words = torch.randint(0, words_per_topic, (n_sentences, length), generator=g)
    filler = torch.rand(n_sentences, length, generator=g) < 0.3
    return [["the" if f else f"t{int(t)}w{int(w)}" for w, f in zip(ws, fs)]
            for t, ws, fs in zip(topics, words, filler)]  # fmt: skip
