"""The vocabulary (book §9.2.2): map tokens to indices and back.

Index 0 is `<unk>`, then the reserved tokens in the order given (e.g. `<pad>`, `<bos>`, `<eos>`), then every token
seen at least `min_freq` times, most frequent first, ties broken alphabetically, so the same corpus always gives
the same indices (the book sorts the unique tokens first, to the same effect). Unknown tokens map to `<unk>`.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import overload

UNK = "<unk>"


def _flatten(tokens: Iterable) -> list[str]:
    """Accept a flat token list or a list of token lists (one per line)."""
    out: list[str] = []
    for t in tokens:
        if isinstance(t, str):
            out.append(t)
        else:
            out.extend(t)
    return out


class Vocab:
    """`vocab[token] -> index`, `vocab[[t1, t2]] -> [i1, i2]`, `vocab.to_tokens(indices)`, `len(vocab)`."""

    def __init__(self, tokens: Iterable = (), min_freq: int = 0, reserved_tokens: Sequence[str] = ()) -> None:
        counter = Counter(_flatten(tokens))
        self.token_freqs: list[tuple[str, int]] = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        specials = [UNK, *(t for t in reserved_tokens if t != UNK)]
        if len(set(specials)) != len(specials):
            raise ValueError(f"reserved tokens repeat: {list(reserved_tokens)}")
        kept = [tok for tok, freq in self.token_freqs if freq >= min_freq and tok not in specials]
        self.idx_to_token: list[str] = specials + kept
        self.token_to_idx: dict[str, int] = {tok: i for i, tok in enumerate(self.idx_to_token)}

    def __len__(self) -> int:
        return len(self.idx_to_token)

    @overload
    def __getitem__(self, tokens: str) -> int: ...
    @overload
    def __getitem__(self, tokens: Sequence[str]) -> list[int]: ...
    def __getitem__(self, tokens):
        if isinstance(tokens, str):
            return self.token_to_idx.get(tokens, self.unk)
        return [self[t] for t in tokens]

    def __contains__(self, token: str) -> bool:
        return token in self.token_to_idx

    def to_tokens(self, indices: int | Iterable[int]) -> str | list[str]:
        """Index -> token, or a list of indices -> a list of tokens. An index out of range is an IndexError."""
        if isinstance(indices, int) or hasattr(indices, "item") and getattr(indices, "ndim", 1) == 0:
            return self.idx_to_token[int(indices)]
        return [self.idx_to_token[int(i)] for i in indices]

    @property
    def unk(self) -> int:
        return 0

    def to_json(self) -> dict:
        return {"idx_to_token": self.idx_to_token, "token_freqs": self.token_freqs}

    def save(self, path: str | os.PathLike) -> Path:
        """Write the vocabulary as JSON (indices are list positions); `Vocab.load` reads it back identically."""
        path = Path(path)
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False))
        return path

    @classmethod
    def from_json(cls, data: dict) -> Vocab:
        vocab = cls()
        vocab.idx_to_token = list(data["idx_to_token"])
        vocab.token_to_idx = {tok: i for i, tok in enumerate(vocab.idx_to_token)}
        vocab.token_freqs = [(tok, int(freq)) for tok, freq in data.get("token_freqs", [])]
        if not vocab.idx_to_token or vocab.idx_to_token[0] != UNK:
            raise ValueError("not a dive vocabulary: index 0 must be <unk>")
        return vocab

    @classmethod
    def load(cls, path: str | os.PathLike) -> Vocab:
        return cls.from_json(json.loads(Path(path).read_text()))

    def __repr__(self) -> str:
        head = ", ".join(repr(t) for t in self.idx_to_token[:8])
        return f"Vocab({len(self)} tokens: {head}{', ...' if len(self) > 8 else ''})"
