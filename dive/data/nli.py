"""Natural language inference data (book §16.4): SNLI, and SICK as the training stand-in.

A pair is (premise, hypothesis, label) with labels entailment 0, contradiction 1, neutral 2 (the book's order).
- SNLI 1.0: the book reads `snli_1.0_{split}.txt` and takes the words from the binary parses (brackets dropped,
  so punctuation is already split off); rows whose gold label is "-" (no annotator majority) are dropped. The
  `.jsonl` / `.jsonl.gz` files carry the same parses and are read the same way. The shared data holds dev and test
  (9,842 and 9,824 labelled pairs); the 550,152-pair train split is read when a user has it.
- SICK: 9,840 pairs of `SICK.txt` with ENTAILMENT / CONTRADICTION / NEUTRAL and its own TRAIN / TRIAL / TEST
  split; its sentences have no parses, so punctuation is split off by a regular expression.
`lower=True` lower-cases every word (the book keeps case; a model trained on SICK and tested on SNLI gains from it).

Arrays: premises, hypotheses int64 (N, num_steps) padded with `<pad>`; their lengths (N,), at least 1; labels (N,).
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from dive.core import DiveError
from dive.data.catalog import SICK, SNLI
from dive.data.files import locate
from dive.text import Vocab

LABELS = ("entailment", "contradiction", "neutral")
_LABEL_INDEX = {name: i for i, name in enumerate(LABELS)}


@dataclass(frozen=True)
class Pairs:
    premises: list[list[str]]
    hypotheses: list[list[str]]
    labels: list[int]

    def __len__(self) -> int:
        return len(self.labels)

    def __add__(self, other: Pairs) -> Pairs:
        return Pairs(self.premises + other.premises, self.hypotheses + other.hypotheses, self.labels + other.labels)


def extract_text(parse: str) -> list[str]:
    """The book's `extract_text` on a binary parse: brackets dropped, words split on whitespace."""
    return re.sub(r"\s{2,}", " ", parse.replace("(", "").replace(")", "")).split()


def split_words(sentence: str) -> list[str]:
    """Words and punctuation as separate tokens, for sentences without a parse (SICK, user input)."""
    return re.findall(r"[\w']+|[^\w\s]", sentence)


def _label(name: str, where: str) -> int:
    key = name.strip().lower()
    if key not in _LABEL_INDEX:
        raise DiveError(f"{where}: label {name!r} is not one of {', '.join(LABELS)}")
    return _LABEL_INDEX[key]


def _pairs(rows, lower: bool) -> Pairs:
    p, h, y = [], [], []
    for premise, hypothesis, label in rows:
        p.append([w.lower() for w in premise] if lower else premise)
        h.append([w.lower() for w in hypothesis] if lower else hypothesis)
        y.append(label)
    return Pairs(p, h, y)


def read_snli_file(path: str | os.PathLike, lower: bool = False) -> Pairs:
    """One SNLI split from its `.txt` (tab-separated, a header row), `.jsonl` or `.jsonl.gz` file."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open

    def rows():
        with opener(path, "rt", encoding="utf-8") as f:
            if ".jsonl" in path.name:
                for n, line in enumerate(f, 1):
                    if line.strip():
                        r = json.loads(line)
                        if r["gold_label"] != "-":
                            yield (extract_text(r["sentence1_binary_parse"]), extract_text(r["sentence2_binary_parse"]),
                                   _label(r["gold_label"], f"{path.name} line {n}"))  # fmt: skip
                return
            header = f.readline().rstrip("\n").split("\t")
            cols = {name: i for i, name in enumerate(header)}
            for n, line in enumerate(f, 2):
                r = line.rstrip("\n").split("\t")
                if len(r) > 2 and r[cols["gold_label"]] != "-":
                    premise, hypothesis = r[cols["sentence1_binary_parse"]], r[cols["sentence2_binary_parse"]]
                    yield extract_text(premise), extract_text(hypothesis), _label(r[cols["gold_label"]], f"line {n}")

    try:
        return _pairs(rows(), lower)
    except (KeyError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DiveError(f"{path} is not an SNLI file ({type(e).__name__}: {e})") from None


def read_snli(root: str | os.PathLike | None = None, split: str = "test", lower: bool = False) -> Pairs:
    """SNLI's train, dev or test split (train only where a user has it)."""
    d = locate(SNLI, root)
    for name in (f"snli_1.0_{split}.jsonl.gz", f"snli_1.0_{split}.jsonl", f"snli_1.0_{split}.txt"):
        if (d / name).is_file():
            return read_snli_file(d / name, lower)
    raise DiveError(f"no SNLI {split} split in {d} (snli_1.0_{split}.txt or .jsonl): the shared data has dev and "
                    "test only")  # fmt: skip


def read_sick(root: str | os.PathLike | None = None, split: str = "TRAIN", lower: bool = False) -> Pairs:
    """SICK's TRAIN, TRIAL or TEST pairs."""
    path = locate(SICK, root) / "SICK.txt"
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        cols = {name: i for i, name in enumerate(header)}
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    picked = [r for r in rows if r[cols["SemEval_set"]] == split.upper()]
    if not picked:
        raise DiveError(f"SICK has no {split!r} pairs; its splits are TRAIN, TRIAL and TEST")
    return _pairs(((split_words(r[cols["sentence_A"]]), split_words(r[cols["sentence_B"]]),
                    _label(r[cols["entailment_label"]], "SICK.txt")) for r in picked), lower)  # fmt: skip


def nli_vocab(pairs: Pairs, min_freq: int = 5) -> Vocab:
    """The book's: words of the training premises and hypotheses seen `min_freq`+ times, plus `<pad>`."""
    return Vocab(pairs.premises + pairs.hypotheses, min_freq=min_freq, reserved_tokens=["<pad>"])


def encode_sentences(sentences: Sequence[Sequence[str]], vocab: Vocab, num_steps: int) -> tuple[Tensor, Tensor]:
    """(ids (N, num_steps) cut or padded with `<pad>`, lengths (N,) in 1..num_steps)."""
    pad = vocab["<pad>"]
    rows = [(vocab[list(s)][:num_steps] + [pad] * num_steps)[:num_steps] for s in sentences]
    lengths = [min(max(len(s), 1), num_steps) for s in sentences]
    return torch.tensor(rows, dtype=torch.long).view(len(rows), num_steps), torch.tensor(lengths, dtype=torch.long)


def nli_arrays(pairs: Pairs, vocab: Vocab, num_steps: int = 50) -> tuple[Tensor, ...]:
    """(premises, premise lengths, hypotheses, hypothesis lengths, labels)."""
    P, lp = encode_sentences(pairs.premises, vocab, num_steps)
    H, lh = encode_sentences(pairs.hypotheses, vocab, num_steps)
    return P, lp, H, lh, torch.tensor(pairs.labels, dtype=torch.long)


def fake_pairs(seed: int, n: int = 600) -> Pairs:
    """Stand-in pairs for tests: the hypothesis repeats the premise's subject (entailment), swaps it for its
    opposite (contradiction), or names an unrelated one (neutral)."""
    g = torch.Generator().manual_seed(seed)
    subjects = ["man", "woman", "dog", "cat", "child", "bird"]
    opposite = {"man": "woman", "woman": "man", "dog": "cat", "cat": "dog", "child": "bird", "bird": "child"}
    verbs = ["runs", "sleeps", "eats", "plays", "sits"]
    p, h, y = [], [], []
    for i in range(n):
        s = subjects[int(torch.randint(0, 6, (1,), generator=g))]
        v = verbs[int(torch.randint(0, 5, (1,), generator=g))]
        label = i % 3
        if label == 0:
            other = s
        elif label == 1:
            other = opposite[s]
        else:
            other = next(x for x in subjects if x not in (s, opposite[s]))
        p.append(["a", s, v, "outside"])
        h.append(["a", other, v])
        y.append(label)
    return Pairs(p, h, y)


def bert_pair_arrays(pairs: Pairs, vocab: Vocab, max_len: int) -> tuple[Tensor, ...]:
    """The book's `SNLIBERTDataset` (§16.7.2) as arrays: "<cls>" premise "<sep>" hypothesis "<sep>", the longer of
    the two cut word by word from its end until the pair fits `max_len`; padded with "<pad>".
    Returns (tokens (N, max_len), segments (N, max_len), valid_lens (N,), labels (N,))."""
    if max_len < 5:
        raise DiveError(f"max_len must be at least 5 (<cls> a <sep> b <sep>), got {max_len}")
    pad = vocab["<pad>"]
    tokens, segments, lens = [], [], []
    for p, h in zip(pairs.premises, pairs.hypotheses):
        p, h = list(p) or ["<unk>"], list(h) or ["<unk>"]
        while len(p) + len(h) > max_len - 3:  # the book's _truncate_pair_of_tokens
            (p if len(p) > len(h) else h).pop()
        ids = vocab[["<cls>", *p, "<sep>", *h, "<sep>"]]
        seg = [0] * (len(p) + 2) + [1] * (len(h) + 1)
        lens.append(len(ids))
        tokens.append(ids + [pad] * (max_len - len(ids)))
        segments.append(seg + [0] * (max_len - len(seg)))
    return (torch.tensor(tokens, dtype=torch.long).view(-1, max_len), torch.tensor(segments, dtype=torch.long).view(
        -1, max_len), torch.tensor(lens, dtype=torch.long), torch.tensor(pairs.labels, dtype=torch.long))  # fmt: skip
