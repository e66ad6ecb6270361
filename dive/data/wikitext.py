"""BERT's pretraining data (book §15.9): WikiText-2 paragraphs -> next-sentence pairs -> masked tokens -> arrays.

- paragraphs: lines with at least two sentences (split on " . "), lower-cased, each sentence a token list;
- next-sentence prediction: for each pair of consecutive sentences, keep the true next one (label 1) or replace
  it by a random sentence of a random paragraph (label 0), 50/50; pairs longer than max_len - 3 are dropped;
- masked language model: 15% of the tokens other than "<cls>"/"<sep>" are chosen (at least one); each chosen token
  becomes "<mask>" with probability 0.8, a random vocabulary token 0.1, itself 0.1, and its original is the label;
- padding: tokens to max_len with "<pad>", predictions to round(0.15 max_len) with weight 0.

The book reads `wiki.train.tokens`, which is not available here; the valid and test splits are. The recipe builds
the vocabulary on the split it pretrains on and measures on the other, so the held-out numbers are honest.
Everything random comes from one `random.Random(seed)`.
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from dive.core import DiveError
from dive.data.catalog import WIKITEXT2
from dive.data.files import locate
from dive.text import Vocab

SPECIALS = ("<pad>", "<mask>", "<cls>", "<sep>")


def read_wiki(root: str | os.PathLike | None = None, split: str = "valid") -> list[list[list[str]]]:
    """Paragraphs of sentences of tokens (the book's `_read_wiki` + tokenisation), in file order."""
    if split not in ("valid", "test", "train"):
        raise DiveError(f"WikiText-2 split is valid, test or train, got {split!r}")
    d = locate(WIKITEXT2, root)
    path = d / f"wiki.{split}.tokens"
    if not path.is_file():
        raise DiveError(f"no {path.name} in {d}: the shared data holds the valid and test splits only")
    return paragraphs_of(path.read_text(encoding="utf-8").splitlines())


def paragraphs_of(lines: Sequence[str]) -> list[list[list[str]]]:
    return [[s.split() for s in line.strip().lower().split(" . ")] for line in lines if len(line.split(" . ")) >= 2]


def tokens_and_segments(tokens_a: Sequence[str], tokens_b: Sequence[str] | None = None) -> tuple[list[str], list[int]]:
    """The book's `get_tokens_and_segments`: "<cls>" A "<sep>" [B "<sep>"] and the segment ids."""
    tokens = ["<cls>", *tokens_a, "<sep>"]
    segments = [0] * len(tokens)
    if tokens_b is not None:
        tokens += [*tokens_b, "<sep>"]
        segments += [1] * (len(tokens_b) + 1)
    return tokens, segments


def wiki_vocab(paragraphs: Sequence[Sequence[Sequence[str]]], min_freq: int = 5) -> Vocab:
    return Vocab([s for p in paragraphs for s in p], min_freq=min_freq, reserved_tokens=SPECIALS)


def nsp_pairs(paragraphs, max_len: int, rng: random.Random) -> list[tuple[list[str], list[int], bool]]:
    """(tokens, segments, is_next) for every consecutive sentence pair that fits in max_len."""
    out = []
    for paragraph in paragraphs:
        for a, b in zip(paragraph, paragraph[1:]):
            is_next = rng.random() < 0.5
            if not is_next:
                b = rng.choice(rng.choice(paragraphs))
            if len(a) + len(b) + 3 > max_len:
                continue
            out.append((*tokens_and_segments(a, b), is_next))
    return out


def mask_tokens(tokens: Sequence[str], vocab: Vocab, rng: random.Random) -> tuple[list[int], list[int], list[int]]:
    """(input ids with the replacements, predicted positions in order, original ids there): the 80/10/10 rule."""
    candidates = [i for i, t in enumerate(tokens) if t not in ("<cls>", "<sep>")]
    rng.shuffle(candidates)
    num_preds = max(1, round(len(tokens) * 0.15))
    inputs = list(tokens)
    chosen = sorted(candidates[:num_preds])
    for i in chosen:
        r = rng.random()
        if r < 0.8:
            inputs[i] = "<mask>"
        elif r < 0.9:
            inputs[i] = rng.choice(vocab.idx_to_token)  # a random token (the book's 10%)
        # else: the token itself (10%)
    return vocab[inputs], chosen, vocab[[tokens[i] for i in chosen]]


@dataclass(frozen=True)
class BertArrays:
    """tokens, segments (N, max_len) int64; valid_lens (N,); pred_positions, mlm_weights (0/1), mlm_labels
    (N, P) with P = round(0.15 max_len); nsp_labels (N,) (1 = B follows A)."""

    tokens: Tensor
    segments: Tensor
    valid_lens: Tensor
    pred_positions: Tensor
    mlm_weights: Tensor
    mlm_labels: Tensor
    nsp_labels: Tensor

    def tensors(self) -> tuple[Tensor, ...]:
        return (self.tokens, self.segments, self.valid_lens, self.pred_positions, self.mlm_weights,
                self.mlm_labels, self.nsp_labels)  # fmt: skip

    def __len__(self) -> int:
        return self.tokens.shape[0]


def bert_arrays(paragraphs, vocab: Vocab, max_len: int = 64, seed: int = 0) -> BertArrays:
    """The book's `_WikiTextDataset` as padded arrays."""
    if max_len < 5:
        raise DiveError(f"max_len must be at least 5 (<cls> a <sep> b <sep>), got {max_len}")
    rng = random.Random(seed)
    pairs = nsp_pairs(paragraphs, max_len, rng)
    if not pairs:
        raise DiveError(f"no sentence pair fits in max_len {max_len}: nothing to pretrain on")
    P, pad = round(max_len * 0.15), vocab["<pad>"]
    n = len(pairs)
    tokens = torch.full((n, max_len), pad, dtype=torch.long)
    segments = torch.zeros(n, max_len, dtype=torch.long)
    positions, labels, weights = (torch.zeros(n, P, dtype=torch.long) for _ in range(3))
    valid, nsp = torch.zeros(n, dtype=torch.long), torch.zeros(n, dtype=torch.long)
    for k, (toks, segs, is_next) in enumerate(pairs):
        ids, pos, lab = mask_tokens(toks, vocab, rng)
        pos, lab = pos[:P], lab[:P]
        tokens[k, : len(ids)] = torch.tensor(ids)
        segments[k, : len(segs)] = torch.tensor(segs)
        valid[k], nsp[k] = len(ids), int(is_next)
        positions[k, : len(pos)] = torch.tensor(pos)
        labels[k, : len(lab)] = torch.tensor(lab)
        weights[k, : len(pos)] = 1
    return BertArrays(tokens, segments, valid, positions, weights, labels, nsp)


def fake_paragraphs(seed: int, n: int = 120) -> list[list[list[str]]]:
    """Stand-in paragraphs of `read_wiki`'s shape for tests: sentences of topic words ("t3w5"); consecutive
    sentences share their topic, so next-sentence prediction has something to learn."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        topic = int(torch.randint(0, 6, (1,), generator=g))
        sents = [[f"t{topic}w{int(w)}" for w in torch.randint(0, 8, (6,), generator=g)] for _ in range(3)]
        out.append(sents)
    return out
