"""Byte pair encoding (book §15.6.2): learn merges from word frequencies, then segment words into subwords.

BPE starts from single characters (each word ends with "_", the end-of-word mark) and repeatedly merges the most
frequent pair of adjacent symbols into a new symbol. Frequent words become one symbol; rare ones stay in pieces
that are shared with other words, so any word made of the alphabet can be segmented.

Two deliberate details:
- merges are applied to symbol lists, not by the book's `str.replace(" ".join(pair), "".join(pair))`, which
  can join the wrong symbols: merging ("b", "c") turns the symbols "ab c" into "abc", because the text "ab c"
  contains "b c". On the book's toy vocabulary both give the same merges (tested).
- ties: the book's `max` over a dict takes the pair seen first in the corpus (`tie="first"`); Hugging Face's
  `tokenizers` BPE trainer takes the pair with the smallest symbol ids (single characters in code-point order,
  then merged symbols in the order they were made), `tie="lowest"`. With that rule dive learns exactly the merges
  HF's trainer learns (tested), so the two differ only in how they break ties between equally frequent pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

END = "_"  # the book's end-of-word symbol
UNK_PIECE = "[UNK]"


@dataclass
class BPE:
    """`merges`: the learned pairs in order; `symbols`: the alphabet then one new symbol per merge."""

    merges: list[tuple[str, str]] = field(default_factory=list)
    symbols: list[str] = field(default_factory=list)
    words: dict[tuple[str, ...], int] = field(default_factory=dict)  # the training words, as their final pieces

    def segment(self, tokens: Iterable[str]) -> list[str]:
        """The book's `segment_BPE`: each token greedily split into the longest known symbols from the left;
        a rest that no symbol covers becomes "[UNK]". Returns one space-joined string per token."""
        known = set(self.symbols)
        out = []
        for token in tokens:
            start, end, pieces = 0, len(token), []
            while start < len(token) and start < end:
                if token[start:end] in known:
                    pieces.append(token[start:end])
                    start, end = end, len(token)
                else:
                    end -= 1
            if start < len(token):
                pieces.append(UNK_PIECE)
            out.append(" ".join(pieces))
        return out


def _merge(word: tuple[str, ...], pair: tuple[str, str]) -> tuple[str, ...]:
    out, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and (word[i], word[i + 1]) == pair:
            out.append(word[i] + word[i + 1])
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)


def learn_bpe(token_freqs: Mapping[str, int], num_merges: int, symbols: Sequence[str] | None = None,
              tie: str = "first") -> BPE:  # fmt: skip
    """Learn up to `num_merges` merges from {word: count} (words already end with "_" if the caller wants the
    end mark). `symbols`: the starting alphabet (default: the characters seen, in code-point order)."""
    if tie not in ("first", "lowest"):
        raise ValueError(f"tie is 'first' (the book's) or 'lowest' (HF tokenizers'), got {tie!r}")
    words = {tuple(w): f for w, f in token_freqs.items() if w}
    alphabet = list(symbols) if symbols is not None else sorted({c for w in words for c in w})
    rank = {s: i for i, s in enumerate(sorted(s for s in alphabet if len(s) == 1))}  # HF: characters by code point
    bpe = BPE(symbols=list(alphabet))
    for _ in range(num_merges):
        pairs: dict[tuple[str, str], int] = defaultdict(int)
        for w, f in words.items():
            for a, b in zip(w, w[1:]):
                pairs[a, b] += f
        if not pairs:
            break
        if tie == "first":
            best = max(pairs, key=pairs.get)  # the first of the most frequent, in corpus order
        else:
            best = min(pairs, key=lambda p: (-pairs[p], rank[p[0]], rank[p[1]]))
        merged = best[0] + best[1]
        bpe.merges.append(best)
        bpe.symbols.append(merged)
        rank.setdefault(merged, len(rank))
        words = {_merge(w, best): f for w, f in words.items()}
    bpe.words = words
    return bpe


def word_freqs(sentences: Iterable[Sequence[str]], end: str = END) -> dict[str, int]:
    """{word + end mark: count} over a tokenised corpus, the input `learn_bpe` takes (for a real corpus)."""
    freqs: dict[str, int] = defaultdict(int)
    for s in sentences:
        for w in s:
            freqs[w + end] += 1
    return dict(freqs)
