"""The Time Machine corpus (book §9.2): H. G. Wells' novel as a character- or word-level token sequence.

The book's preprocessing keeps letters and spaces only, lower-cased: 173,428 characters with a vocabulary of 28
(26 letters, space, `<unk>`); at word level 32,775 tokens and 4,580 distinct words.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
from torch import Tensor

from dive.data.catalog import TIME_MACHINE
from dive.data.files import locate
from dive.text import Vocab, preprocess, tokenize


@dataclass(frozen=True)
class Corpus:
    """A token-index sequence and its vocabulary. `ids`: int64 (N,)."""

    ids: Tensor
    vocab: Vocab
    token: str = "char"

    def __len__(self) -> int:
        return self.ids.numel()

    def split(self, valid_fraction: float) -> tuple[Tensor, Tensor]:
        """(train ids, held-out ids): the last `valid_fraction` of the text is held out, contiguous, never seen."""
        if not 0 < valid_fraction < 1:
            raise ValueError(f"valid_fraction must be in (0, 1), got {valid_fraction}")
        cut = int(len(self) * (1 - valid_fraction))
        return self.ids[:cut], self.ids[cut:]


def read_time_machine(root: str | os.PathLike | None = None) -> str:
    """The raw text, located and sha256-checked (see `dive.data.files.locate`)."""
    return (locate(TIME_MACHINE, root) / "timemachine.txt").read_text(encoding="utf-8")


def build_corpus(text: str, token: str = "char", max_tokens: int | None = None, vocab: Vocab | None = None) -> Corpus:
    """Preprocess, tokenize and index `text`; `max_tokens` keeps the first tokens only (the book 2.0 uses 10,000)."""
    tokens = tokenize(preprocess(text), token)
    if max_tokens is not None and max_tokens > 0:
        tokens = tokens[:max_tokens]
    vocab = vocab or Vocab(tokens)
    return Corpus(torch.tensor(vocab[tokens], dtype=torch.long), vocab, token)


def load_time_machine(
    root: str | os.PathLike | None = None, token: str = "char", max_tokens: int | None = None
) -> Corpus:
    """The book's corpus: `load_time_machine().ids.numel() == 173428`, `len(vocab) == 28` at character level."""
    return build_corpus(read_time_machine(root), token, max_tokens)
