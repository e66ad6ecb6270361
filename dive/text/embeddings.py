"""Word vectors and what they are for (book §15.7): nearest words, analogies, and the two standard benchmarks.

`WordVectors` holds a (V, E) table and its `Vocab`. It reads the text formats people download (GloVe: `word v1 ..
vE` per line; fastText `.vec` and word2vec's text format: the same after a "count dim" header line) and saves
dive's own as safetensors plus the vocabulary's JSON. Similarity is the cosine; an analogy a : b :: c : ? is the
word whose vector is nearest to b - a + c, the query words excluded (the book's `get_analogy`).

Benchmarks: `questions-words.txt` (Mikolov et al.'s 19,544 analogies in 14 sections) and `wordsim353.tsv` (353
word pairs with human similarity scores), both read from the installed gensim package's test data.
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from dive.core import DiveError
from dive.text.subwords import SubwordTable
from dive.text.vocab import Vocab


def _unknown(word: str, vocab: Vocab, most: int = 60) -> DiveError:
    """One line naming an unknown word (cut to `most` characters: the input may be anything) and close spellings."""
    close = difflib.get_close_matches(word, vocab.idx_to_token[1:], n=3, cutoff=0.6) if len(word) <= most else []
    hint = f"; nearest known spellings: {', '.join(close)}" if close else ""
    shown = repr(word) if len(word) <= most else f"{word[:most]!r}... ({len(word):,} characters)"
    return DiveError(f"{shown} is not in the vocabulary ({len(vocab):,} words){hint}")


@dataclass
class WordVectors:
    """vectors: float (V, E), row i for `vocab.idx_to_token[i]` (row 0, `<unk>`, is never an answer)."""

    vectors: Tensor
    vocab: Vocab
    subwords: SubwordTable | None = None  # fastText: vectors for unseen words from their n-grams
    subword_vectors: Tensor | None = None  # (number of n-grams, E)

    def __post_init__(self) -> None:
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.vocab):
            raise DiveError(f"{tuple(self.vectors.shape)} vectors for a vocabulary of {len(self.vocab)}")
        self.unit = torch.nn.functional.normalize(self.vectors.float(), dim=1)

    def index(self, word: str) -> int:
        if word not in self.vocab or self.vocab[word] == self.vocab.unk:
            raise _unknown(word, self.vocab)
        return self.vocab[word]

    def nearest_to(self, query: Tensor, k: int, exclude: tuple[int, ...] = ()) -> list[tuple[str, float]]:
        """The k words whose vectors have the largest cosine with `query` (E,)."""
        cos = self.unit @ torch.nn.functional.normalize(query.float(), dim=0)
        cos[[0, *exclude]] = -2.0
        top = torch.topk(cos, min(k, len(cos) - 1 - len(exclude)))
        return [(self.vocab.idx_to_token[int(i)], float(c)) for c, i in zip(top.values, top.indices)]

    def query(self, word: str) -> tuple[Tensor, tuple[int, ...]]:
        """(the word's vector, the rows to exclude from its answers): a known word's row, or for fastText vectors
        the sum of an unseen word's known n-grams."""
        if word in self.vocab and self.vocab[word] != self.vocab.unk:
            i = self.vocab[word]
            return self.unit[i], (i,)
        ids = self.subwords.ids(word) if self.subwords is not None and self.subword_vectors is not None else []
        if not ids:
            raise _unknown(word, self.vocab)
        return self.subword_vectors[ids].sum(0), ()

    def similar(self, word: str, k: int = 5) -> list[tuple[str, float]]:
        """The book's `get_similar_tokens`: the k nearest words by cosine, the word itself excluded. With
        fastText subwords an unseen word is answered too."""
        vec, exclude = self.query(word)
        return self.nearest_to(vec, k, exclude)

    def analogy(self, a: str, b: str, c: str, k: int = 1) -> list[tuple[str, float]]:
        """a : b :: c : ? (man : woman :: son : daughter), the nearest to b - a + c, none of a, b, c."""
        ia, ib, ic = self.index(a), self.index(b), self.index(c)
        return self.nearest_to(self.unit[ib] - self.unit[ia] + self.unit[ic], k, (ia, ib, ic))

    def save(self, directory: str | os.PathLike) -> Path:
        """`vectors.safetensors` and `vocab.json` in `directory` (no pickle)."""
        from safetensors.torch import save_file

        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        save_file({"vectors": self.vectors.contiguous()}, d / "vectors.safetensors")
        self.vocab.save(d / "vocab.json")
        if self.subwords is not None and self.subword_vectors is not None:
            save_file({"vectors": self.subword_vectors.contiguous()}, d / "subwords.safetensors")
            meta = {"grams": self.subwords.grams, "nmin": self.subwords.nmin, "nmax": self.subwords.nmax}
            (d / "subwords.json").write_text(json.dumps(meta, ensure_ascii=False))
        return d

    @classmethod
    def load(cls, directory: str | os.PathLike) -> WordVectors:
        from safetensors.torch import load_file

        d = Path(directory)
        if not (d / "vectors.safetensors").is_file() or not (d / "vocab.json").is_file():
            raise DiveError(f"no word vectors in {d} (vectors.safetensors and vocab.json): give a word-vector run")
        wv = cls(load_file(d / "vectors.safetensors")["vectors"], Vocab.load(d / "vocab.json"))
        if (d / "subwords.json").is_file():
            meta = json.loads((d / "subwords.json").read_text())
            table = SubwordTable([], meta["nmin"], meta["nmax"])
            table.grams, table.index = list(meta["grams"]), {g: i for i, g in enumerate(meta["grams"])}
            wv.subwords, wv.subword_vectors = table, load_file(d / "subwords.safetensors")["vectors"]
        return wv

    @classmethod
    def from_text(cls, path: str | os.PathLike, max_words: int | None = None) -> WordVectors:
        """GloVe, fastText `.vec` or word2vec text files (the book's `TokenEmbedding`): one word and its numbers
        per line, after an optional "count dim" header. A line of the wrong length is one clear error."""
        path = Path(path)
        if not path.is_file():
            raise DiveError(f"no word-vector file at {path}")
        words, rows, dim = [], [], None
        with path.open(encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                parts = line.rstrip("\n").rstrip().split(" ")
                if n == 1 and len(parts) == 2 and all(p.isdigit() for p in parts):
                    continue  # fastText / word2vec header: vocabulary size and dimension
                if len(parts) < 2:
                    continue
                dim = dim or len(parts) - 1
                if len(parts) - 1 != dim:
                    raise DiveError(f"{path}:{n}: {len(parts) - 1} numbers where the file's vectors have {dim}")
                try:
                    rows.append([float(x) for x in parts[1:]])
                except ValueError:
                    raise DiveError(f"{path}:{n}: not a number in the vector of {parts[0]!r}") from None
                words.append(parts[0])
                if max_words is not None and len(words) >= max_words:
                    break
        if not words:
            raise DiveError(f"{path} holds no word vectors")
        vocab = Vocab()
        vocab.idx_to_token = ["<unk>", *words]
        vocab.token_to_idx = {w: i for i, w in enumerate(vocab.idx_to_token)}
        vectors = torch.tensor(rows)
        return cls(torch.cat([torch.zeros(1, vectors.shape[1]), vectors]), vocab)


def gensim_test_file(name: str) -> Path:
    """A benchmark file shipped in gensim's test data (`questions-words.txt`, `wordsim353.tsv`)."""
    try:
        from gensim.test.utils import datapath
    except ImportError:
        raise DiveError(f"{name} comes with gensim's test data: pip install gensim (or dive-dl[dev])") from None
    return Path(datapath(name))


def analogy_accuracy(wv: WordVectors, path: str | os.PathLike | None = None) -> dict[str, float]:
    """Accuracy on questions-words over the questions whose four words are all in the vocabulary (lower-cased),
    and how many those are: {"accuracy", "answered", "total"}."""
    path = Path(path) if path else gensim_test_file("questions-words.txt")
    qs, total = [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith(":"):
            continue
        total += 1
        words = line.lower().split()
        if len(words) == 4 and all(w in wv.vocab and wv.vocab[w] != wv.vocab.unk for w in words):
            qs.append([wv.vocab[w] for w in words])
    if not qs:
        return {"accuracy": 0.0, "answered": 0, "total": total}
    q = torch.tensor(qs)
    correct = 0
    for chunk in q.split(1024):
        target = wv.unit[chunk[:, 1]] - wv.unit[chunk[:, 0]] + wv.unit[chunk[:, 2]]
        cos = torch.nn.functional.normalize(target, dim=1) @ wv.unit.T
        cos[:, 0] = -2.0
        cos.scatter_(1, chunk[:, :3], -2.0)
        correct += int((cos.argmax(1) == chunk[:, 3]).sum())
    return {"accuracy": correct / len(qs), "answered": len(qs), "total": total}


def wordsim_spearman(wv: WordVectors, path: str | os.PathLike | None = None) -> dict[str, float]:
    """Spearman correlation between cosine similarity and the human scores of wordsim353, over the pairs whose
    words are both known: {"spearman", "pairs", "total"}."""
    from scipy.stats import spearmanr

    path = Path(path) if path else gensim_test_file("wordsim353.tsv")
    human, model, total = [], [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        a, b, score = line.lower().split("\t")[:3]
        total += 1
        if all(w in wv.vocab and wv.vocab[w] != wv.vocab.unk for w in (a, b)):
            human.append(float(score))
            model.append(float(wv.unit[wv.vocab[a]] @ wv.unit[wv.vocab[b]]))
    rho = float(spearmanr(human, model).statistic) if len(human) > 2 else 0.0
    return {"spearman": rho, "pairs": len(human), "total": total}


def benchmark(wv: WordVectors) -> dict[str, float]:
    """Both benchmarks in one dict (`analogy_acc`, `analogy_answered`, `wordsim_spearman`, `wordsim_pairs`)."""
    a, s = analogy_accuracy(wv), wordsim_spearman(wv)
    return {"analogy_acc": a["accuracy"], "analogy_answered": a["answered"], "analogy_total": a["total"],
            "wordsim_spearman": s["spearman"], "wordsim_pairs": s["pairs"]}  # fmt: skip
