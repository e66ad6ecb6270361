"""`dive bench word2vec`: skip-gram on PTB (book §15.4), dive against gensim and against the book's data pipeline.

Three measurements on the same 42,068 PTB sentences, with the same settings (100 dimensions, windows up to 5, 5
noise words, words seen 10+ times, subsampling threshold 1e-4, 5 epochs):
- the data: the book's Python loops (`get_centers_and_contexts`, `get_negatives` with its `RandomGenerator`),
  re-implemented here, against dive's tensor version (`dive.data.word_windows`), seconds each;
- training: dive's `SkipGram` with Adam (the book's model and optimiser) and gensim's `Word2Vec` (skip-gram,
  negative sampling, optimised C, SGD, 2 worker threads), corpus words per second (887,521 words x epochs /
  seconds of training);
- quality: both sets of vectors on the two benchmarks (`dive.text.embeddings.benchmark`).
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Sequence

import torch

from dive.data import ArrayLoader
from dive.data.word_windows import trim_padding, word2vec_data
from dive.models.word2vec import SkipGram
from dive.text import Vocab
from dive.text.embeddings import WordVectors, benchmark
from dive.train import Trainer
from dive.train.embedding import NegativeSamplingStep, embedding_adam


def book_style_data(sentences: Sequence[Sequence[str]], max_window_size: int = 5, num_noise_words: int = 5):
    """The book's §15.3 pipeline in its own style: per-token Python loops; returns the number of pairs."""
    vocab = Vocab(sentences, min_freq=10)
    sentences = [[t for t in line if vocab[t] != vocab.unk] for line in sentences]
    counter = Counter(t for line in sentences for t in line)
    num_tokens = sum(counter.values())
    subsampled = [[t for t in line if random.uniform(0, 1) < math.sqrt(1e-4 / counter[t] * num_tokens)]
                  for line in sentences]  # fmt: skip
    corpus = [vocab[line] for line in subsampled]
    centers, contexts = [], []
    for line in corpus:
        if len(line) < 2:
            continue
        centers += line
        for i in range(len(line)):
            w = random.randint(1, max_window_size)
            idx = [j for j in range(max(0, i - w), min(len(line), i + 1 + w)) if j != i]
            contexts.append([line[j] for j in idx])
    weights = [counter[vocab.to_tokens(i)] ** 0.75 for i in range(1, len(vocab))]
    population, cache, k = list(range(1, len(vocab))), [], 0
    negatives = []
    for ctx in contexts:
        neg = []
        while len(neg) < len(ctx) * num_noise_words:
            if k == len(cache):
                cache, k = random.choices(population, weights, k=10000), 0
            n, k = cache[k], k + 1
            if n not in ctx:
                neg.append(n)
        negatives.append(neg)
    return sum(len(c) for c in contexts)


def train_dive(sentences, epochs: int = 5, seed: int = 0) -> tuple[WordVectors, float, float, float]:
    """(vectors, data seconds, training seconds, final loss)."""
    t0 = time.perf_counter()
    data, vocab, _ = word2vec_data(sentences, seed=seed)
    t1 = time.perf_counter()
    torch.manual_seed(seed)
    model = SkipGram(len(vocab), 100)
    loader = ArrayLoader(data.centers, data.contexts_negatives, data.masks, data.labels, batch_size=512,
                         shuffle=True, seed=seed, batch_transform=trim_padding)  # fmt: skip
    trainer = Trainer(
        model, None, embedding_adam(model.parameters(), 0.002), max_epochs=epochs, step=NegativeSamplingStep()
    )
    state = trainer.fit(loader)
    t2 = time.perf_counter()
    return WordVectors(model.vectors, vocab), t1 - t0, t2 - t1, float(state.metrics["train_loss"])


def train_gensim(sentences, epochs: int = 5, seed: int = 0, workers: int = 2) -> tuple[WordVectors, float]:
    """gensim's skip-gram with negative sampling on the same sentences (`<unk>` dropped, as the book does)."""
    from gensim.models import Word2Vec

    known = [[t for t in s if t != "<unk>"] for s in sentences]
    t0 = time.perf_counter()
    m = Word2Vec(known, vector_size=100, window=5, negative=5, sg=1, hs=0, min_count=10, sample=1e-4,
                 epochs=epochs, workers=workers, seed=seed)  # fmt: skip
    seconds = time.perf_counter() - t0
    vocab = Vocab()
    vocab.idx_to_token = ["<unk>", *m.wv.index_to_key]
    vocab.token_to_idx = {w: i for i, w in enumerate(vocab.idx_to_token)}
    vectors = torch.cat([torch.zeros(1, 100), torch.from_numpy(m.wv.vectors.copy())])
    return WordVectors(vectors, vocab), seconds


def run_word2vec_bench(sentences, epochs: int = 5, book_data: bool = True) -> list[dict]:
    """One row per contender: name, seconds, words/s, analogy acc, wordsim Spearman (and data seconds)."""
    words = sum(len(s) for s in sentences) * epochs
    rows = []
    if book_data:
        t0 = time.perf_counter()
        book_style_data(sentences)
        rows.append({"name": "book-style data (Python loops)", "data_s": time.perf_counter() - t0})
    wv, data_s, train_s, loss = train_dive(sentences, epochs)
    rows.append({"name": "dive (Adam, book's model)", "data_s": data_s, "train_s": train_s,
                 "words_per_s": words / train_s, "loss": loss, **benchmark(wv)})  # fmt: skip
    gwv, g_s = train_gensim(sentences, epochs)
    rows.append({"name": "gensim Word2Vec (C, SGD)", "train_s": g_s, "words_per_s": words / g_s, **benchmark(gwv)})
    return rows


def _cell(row: dict, key: str, fmt: str) -> str:
    return format(row[key], fmt) if key in row else "-"


def format_word2vec_bench(rows: list[dict]) -> str:
    out = [f"{'contender':34s} {'data s':>7s} {'train s':>8s} {'words/s':>10s} {'analogy':>8s} {'wordsim':>8s}"]
    for r in rows:
        cells = [_cell(r, "data_s", ".2f"), _cell(r, "train_s", ".1f"), _cell(r, "words_per_s", ",.0f"),
                 _cell(r, "analogy_acc", ".3f"), _cell(r, "wordsim_spearman", ".3f")]  # fmt: skip
        out.append(f"{r['name']:34s} {cells[0]:>7s} {cells[1]:>8s} {cells[2]:>10s} {cells[3]:>8s} {cells[4]:>8s}")
    by = {r["name"].split()[0]: r for r in rows}
    if "dive" in by and "gensim" in by:
        d, g = by["dive"], by["gensim"]
        speed = d["words_per_s"] / g["words_per_s"]
        out.append(f"dive / gensim: speed {speed:.2f}x, analogy {d['analogy_acc'] - g['analogy_acc']:+.3f}, wordsim "
                   f"{d['wordsim_spearman'] - g['wordsim_spearman']:+.3f} (analogies answered: "
                   f"{d['analogy_answered']} / {g['analogy_answered']})")  # fmt: skip
    if "book-style" in by and "dive" in by:
        b, d = by["book-style"]["data_s"], by["dive"]["data_s"]
        out.append(f"data pipeline: book-style {b:.1f} s, dive {d:.1f} s ({b / d:.0f}x)")
    return "\n".join(out)
