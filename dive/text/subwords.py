"""fastText's subwords (book §15.6.1): a word is the bag of its character n-grams, plus itself.

With the boundary marks "<" and ">", "where" with n = 3 gives "<wh", "whe", "her", "ere", "re>" and the special
subword "<where>"; fastText uses every n from 3 to 6. A word's vector is the sum of its subwords' vectors, so
"helps", "helped" and "helping" share most of their parameters, and a word never seen in training still gets a
vector from the n-grams it shares with words that were.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor


def char_ngrams(word: str, nmin: int = 3, nmax: int = 6) -> list[str]:
    """The subwords of `word`: its n-grams (nmin <= n <= nmax) with boundary marks, then "<word>" itself."""
    if not 1 <= nmin <= nmax:
        raise ValueError(f"need 1 <= nmin <= nmax, got {nmin}, {nmax}")
    marked = f"<{word}>"
    grams = [marked[i : i + n] for n in range(nmin, nmax + 1) for i in range(len(marked) - n + 1)]
    return [g for g in grams if g != marked] + [marked]


class SubwordTable:
    """The n-gram vocabulary of a list of words: `ids(word)` -> the indices of its known n-grams, and
    `matrix(words)` -> (len(words), G) int64 padded with `pad` (= the number of n-grams), for an EmbeddingBag."""

    def __init__(self, words: Sequence[str], nmin: int = 3, nmax: int = 6) -> None:
        self.nmin, self.nmax = nmin, nmax
        self.grams: list[str] = []
        self.index: dict[str, int] = {}
        for w in words:
            for g in char_ngrams(w, nmin, nmax):
                if g not in self.index:
                    self.index[g] = len(self.grams)
                    self.grams.append(g)

    @property
    def pad(self) -> int:
        return len(self.grams)

    def ids(self, word: str) -> list[int]:
        return [self.index[g] for g in char_ngrams(word, self.nmin, self.nmax) if g in self.index]

    def matrix(self, words: Sequence[str]) -> Tensor:
        rows = [self.ids(w) for w in words]
        width = max(1, max(len(r) for r in rows))
        return torch.tensor([r + [self.pad] * (width - len(r)) for r in rows], dtype=torch.long)
