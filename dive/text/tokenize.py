"""Text preprocessing (book §9.2): clean raw text, split it into tokens, count n-grams (book §9.3).

Pure functions on strings and lists: no files, no tensors. `dive.data.timemachine` reads the book's text and
calls these; a learner can call them on any string.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

TOKEN_KINDS = ("char", "word")


def preprocess(text: str) -> str:
    """The book's cleaning: every run of non-letters becomes one space, then lower-case.

    >>> preprocess("The Time-Machine, 1895!")
    'the time machine '
    """
    return re.sub("[^A-Za-z]+", " ", text).lower()


def tokenize(text: str, token: str = "char") -> list[str]:
    """Split cleaned text into characters (spaces included) or words (split on whitespace)."""
    if token == "char":
        return list(text)
    if token == "word":
        return text.split()
    raise ValueError(f"unknown token kind {token!r}; choose one of {', '.join(TOKEN_KINDS)}")


def tokenize_lines(lines: Sequence[str], token: str = "word") -> list[list[str]]:
    """Book 1.0's per-line tokenization: one token list per line."""
    return [tokenize(line, token) for line in lines]


def ngrams(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    """Consecutive n-tuples: ngrams(['a', 'b', 'c'], 2) == [('a', 'b'), ('b', 'c')]."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    return list(zip(*(tokens[i:] for i in range(n)), strict=False))


def ngram_freqs(tokens: Sequence[str], n: int = 1) -> list[tuple[tuple[str, ...], int]]:
    """(n-gram, count) pairs, most frequent first; ties broken by the n-gram, so the order is deterministic."""
    counts = Counter(ngrams(tokens, n))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def zipf_exponent(counts: Sequence[int], skip: int = 10) -> float:
    """alpha in n_i ~ C / i^alpha: minus the least-squares slope of log count on log rank, ranks after `skip`.

    The first few words (the, i, and, ...) bend away from the line, as the book notes; they are skipped.
    """
    pts = [(math.log(i + 1), math.log(c)) for i, c in enumerate(counts) if i >= skip and c > 0]
    if len(pts) < 2:
        raise ValueError("need at least two counts past `skip` to fit a line")
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    slope = sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)
    return -slope
