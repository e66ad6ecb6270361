"""English-French machine translation data (book §10.5): the Tatoeba pairs in `fra-eng/fra.txt`.

Preprocessing as the book: non-breaking spaces become spaces, lower-case, a space before , . ! ? when missing;
word tokens split on spaces. Arrays as d2l 1.0's `MTFraEng`: each sentence gets `<eos>`, is cut or padded with
`<pad>` to `num_steps`; targets also get a leading `<bos>`, so the decoder reads tgt[:, :-1] and predicts
tgt[:, 1:] (teacher forcing). Vocabularies keep words seen at least `min_freq` times (others are `<unk>`), with
the special tokens at fixed indices: <unk> 0, <pad> 1, <bos> 2, <eos> 3.

The book trains on the first 512 pairs and validates on the next 128 (tiny and with overlapping sources: "go ."
has several translations). `split_by_source` gives the full-corpus split: every source sentence (with all its
translations) falls in exactly one of train / validation / test, decided by a hash, so no test source is seen.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from dive.data.catalog import FRA_ENG
from dive.data.files import locate
from dive.text import Vocab

SPECIALS = ("<pad>", "<bos>", "<eos>")  # after <unk>: indices 1, 2, 3


def read_fra_eng(root: str | os.PathLike | None = None) -> str:
    """The raw tab-separated text, located and sha256-checked."""
    return (locate(FRA_ENG, root) / "fra.txt").read_text(encoding="utf-8")


def preprocess_nmt(text: str) -> str:
    """The book's cleaning: 'Go.\\tVa !' -> 'go .\\tva !'."""
    text = text.replace("\u202f", " ").replace("\xa0", " ").lower()
    out = [" " + c if i > 0 and c in ",.!?" and text[i - 1] != " " else c for i, c in enumerate(text)]
    return "".join(out)


def parse_pairs(text: str, max_examples: int | None = None) -> tuple[list[list[str]], list[list[str]]]:
    """(source token lists, target token lists) from raw text, preprocessed; lines without one tab are skipped."""
    src, tgt = [], []
    for line in preprocess_nmt(text).split("\n"):
        if max_examples is not None and len(src) >= max_examples:
            break
        parts = line.split("\t")
        if len(parts) >= 2:  # the book's file has 2 columns; newer Tatoeba dumps add an attribution column
            src.append([t for t in parts[0].split(" ") if t])
            tgt.append([t for t in parts[1].split(" ") if t])
    return src, tgt


def pad_or_trim(tokens: Sequence[str], num_steps: int) -> list[str]:
    """Cut to `num_steps`, or fill up with `<pad>`."""
    return list(tokens[:num_steps]) + ["<pad>"] * max(0, num_steps - len(tokens))


def build_vocab(sentences: Sequence[Sequence[str]], min_freq: int = 2) -> Vocab:
    return Vocab(sentences, min_freq=min_freq, reserved_tokens=SPECIALS)


@dataclass(frozen=True)
class MTArrays:
    """enc_X (N, T) source ids; dec_X (N, T) `<bos>` + target; enc_valid_len (N,) non-pad source tokens;
    Y (N, T) the target shifted by one (what the decoder must predict), `<pad>` where nothing is."""

    enc_X: Tensor
    dec_X: Tensor
    enc_valid_len: Tensor
    Y: Tensor

    def tensors(self) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        return self.enc_X, self.dec_X, self.enc_valid_len, self.Y

    def __len__(self) -> int:
        return self.enc_X.shape[0]

    def lengths(self, tgt_pad: int) -> Tensor:
        """(N,) the longer side of each pair in tokens (with `<eos>`): the key `BucketLoader` sorts by."""
        return torch.maximum(self.enc_valid_len, (self.Y != tgt_pad).sum(1))


def trim_padding(batch: tuple[Tensor, ...], tgt_pad: int) -> tuple[Tensor, ...]:
    """Cut a batch (enc_X, dec_X, enc_valid_len, Y) to its longest source and target: the columns dropped are
    padding on every row. The Transformer masks padding out everywhere, so its loss is unchanged (a test checks);
    the GRU encoders of §10.7/11.4 read the padding into their state, so they train on whole `num_steps` rows."""
    enc_X, dec_X, valid, Y = batch
    t_src, t_tgt = int(valid.max()), int((Y != tgt_pad).sum(1).max())
    return enc_X[:, :t_src], dec_X[:, :t_tgt], valid, Y[:, :t_tgt]


def build_arrays(
    src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]], num_steps: int, src_vocab: Vocab, tgt_vocab: Vocab
) -> MTArrays:
    """Token lists -> id arrays as d2l 1.0 (`<eos>` appended, then cut/padded to num_steps, `<bos>` on targets)."""
    if len(src) != len(tgt):
        raise ValueError(f"{len(src)} sources but {len(tgt)} targets")
    enc = torch.tensor([src_vocab[pad_or_trim([*s, "<eos>"], num_steps)] for s in src], dtype=torch.long)
    full = torch.tensor([tgt_vocab[["<bos>", *pad_or_trim([*t, "<eos>"], num_steps)]] for t in tgt], dtype=torch.long)
    valid = (enc != src_vocab["<pad>"]).sum(1)
    return MTArrays(enc, full[:, :-1], valid, full[:, 1:])


def split_by_source(
    src: Sequence[Sequence[str]], fractions: tuple[float, float] = (0.9, 0.05), salt: str = "dive"
) -> tuple[list[int], list[int], list[int]]:
    """(train, valid, test) example indices; a source sentence's hash decides its split, for all its pairs.

    `fractions` are train and validation; the rest is test. Deterministic: the same corpus always splits the same.
    """
    out: tuple[list[int], list[int], list[int]] = ([], [], [])
    for i, s in enumerate(src):
        h = int(hashlib.sha256((salt + " ".join(s)).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        out[0 if h < fractions[0] else 1 if h < fractions[0] + fractions[1] else 2].append(i)
    return out
