"""GloVe's data (book §15.5): the word-word co-occurrence counts of a corpus, weighted by distance.

x_ij sums, over every occurrence of word i, 1/d for each occurrence of word j at distance d <= window in the same
sentence (GloVe's weighting: a word next door counts 1, five words away 1/5). The matrix is symmetric and sparse:
on PTB a few million of the 45 million pairs occur, so it is kept as (rows, cols, values), built in one pass of
tensor ops (every offset d at once over the flattened corpus), not with a Python dict.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from dive.core import DiveError
from dive.data.word_windows import flatten, ptb_vocab
from dive.text import Vocab


def cooccurrence(ids: Tensor, sent: Tensor, vocab_size: int, window: int = 10) -> tuple[Tensor, Tensor, Tensor]:
    """Flattened corpus ids (T,) and sentence index (T,) -> (i, j, x): the nonzero counts, both directions."""
    if window < 1:
        raise DiveError(f"the co-occurrence window must be >= 1, got {window}")
    rows, cols, vals = [], [], []
    for d in range(1, window + 1):
        same = sent[d:] == sent[:-d]
        a, b = ids[:-d][same], ids[d:][same]
        w = torch.full((a.numel(),), 1.0 / d, dtype=torch.float64)
        rows += [a, b]
        cols += [b, a]
        vals += [w, w]
    key = torch.cat(rows) * vocab_size + torch.cat(cols)
    uniq, inverse = torch.unique(key, return_inverse=True)
    x = torch.zeros(uniq.numel(), dtype=torch.float64).index_add_(0, inverse, torch.cat(vals))
    return uniq // vocab_size, uniq % vocab_size, x


def glove_data(sentences: Sequence[Sequence[str]], window: int = 10,
               min_freq: int = 10) -> tuple[Tensor, Tensor, Tensor, Vocab]:  # fmt: skip
    """(i, j, x, vocab) for a tokenised corpus (`<unk>` dropped, no subsampling: GloVe weights pairs instead)."""
    if not sentences or not any(sentences):
        raise DiveError("the corpus is empty: no sentences to count co-occurrences in")
    vocab = ptb_vocab(sentences, min_freq)
    ids, sent = flatten(sentences, vocab)
    i, j, x = cooccurrence(ids, sent, len(vocab), window)
    if x.numel() == 0:
        raise DiveError("no two known words share a sentence: nothing to count")
    return i, j, x, vocab


def glove_weight(x: Tensor, x_max: float = 100.0, alpha: float = 0.75) -> Tensor:
    """h(x) = (x / x_max)^alpha below x_max, else 1: rare pairs weigh little, frequent ones are capped."""
    return (x / x_max).clamp(max=1.0) ** alpha
