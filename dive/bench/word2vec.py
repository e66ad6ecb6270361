"""`dive bench word2vec` / `fasttext` / `cbow`: skip-gram (book §15.4), fastText (§15.6) and CBOW (§15.1.4) on PTB,
dive against gensim and against the book's data pipeline.

On the same 42,068 PTB sentences, with the same settings (100 dimensions, windows up to 5, 5 noise words, words
seen 10+ times, subsampling threshold 1e-4, 5 epochs; fastText: 3- to 6-grams):
- the data: the book's Python loops (`get_centers_and_contexts`, `get_negatives` with its `RandomGenerator`),
  re-implemented here, against dive's tensor version (`dive.data.word_windows`), seconds each;
- training, in alternating rounds (medians): dive with word2vec's own trainer (sparse gradients, SGD at a
  linearly falling per-pair rate: the recipes' default), dive with the book's dense Adam, and gensim's
  `Word2Vec` / `FastText` (optimised C, the same SGD, 2 worker threads); corpus words per second (887,521 words
  x epochs / seconds). dive's seconds are its training loop; its data (drawn once, for every epoch, as the book
  does) is the `data s` column, and the ratio line gives both;
- quality: each set of vectors on the two benchmarks (`dive.text.embeddings.benchmark`), medians over rounds.
"""

from __future__ import annotations

import math
import random
import statistics
import time
from collections import Counter
from collections.abc import Sequence

import torch

from dive.data import ArrayLoader
from dive.data.word_windows import PairLoader, trim_padding, word2vec_data
from dive.models.word2vec import CBOW, FastTextSkipGram, SkipGram, vocab_ngrams
from dive.text import Vocab
from dive.text.embeddings import WordVectors, benchmark
from dive.text.subwords import SubwordTable
from dive.train import Trainer
from dive.train.embedding import NegativeSamplingStep, embedding_adam, word2vec_sgd

# the recipes' quick profiles (a test holds them equal): per-pair rates and batches of centres; CBOW with
# word2vec.c's context rule ("whole"), whose ~6 pairs a centre make a batch of 512 mostly fixed cost
SGD_LR = {"skipgram": 0.1, "fasttext": 0.02, "cbow": 0.25}
SGD_BATCH = {"skipgram": 512, "fasttext": 512, "cbow": 1024}
ADAM_LR, ADAM_BATCH = 0.002, 512  # the book's


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


def train_dive(sentences, epochs: int = 5, seed: int = 0, optimizer: str = "sgd",
               model: str = "skipgram") -> tuple[WordVectors, float, float, float]:  # fmt: skip
    """(vectors, data seconds, training seconds, the book's loss) of one dive run."""
    t0 = time.perf_counter()
    data, vocab, _ = word2vec_data(sentences, seed=seed, cbow=model == "cbow")
    t1 = time.perf_counter()
    torch.manual_seed(seed)
    sgd = optimizer == "sgd"
    if model == "fasttext":
        table = SubwordTable(vocab.idx_to_token[1:], 3, 6)
        net = FastTextSkipGram(len(vocab), table.pad, vocab_ngrams(table, vocab.idx_to_token), 100, sparse=sgd)
    elif model == "cbow":
        net, table = CBOW(len(vocab), 100, sparse=sgd, context_grad="whole" if sgd else "mean"), None
    else:
        net, table = SkipGram(len(vocab), 100, sparse=sgd), None
    batch = SGD_BATCH[model] if sgd else ADAM_BATCH
    if sgd:
        loader = PairLoader(data, batch, seed=seed)
    else:
        loader = ArrayLoader(data.centers, data.contexts_negatives, data.masks, data.labels, batch_size=batch,
                             shuffle=True, seed=seed, batch_transform=trim_padding)  # fmt: skip
    if sgd:
        step, opt = word2vec_sgd(net, SGD_LR[model], batch, epochs * len(loader))
    else:
        opt, step = embedding_adam(net.parameters(), ADAM_LR), NegativeSamplingStep()
    state = Trainer(net, None, opt, max_epochs=epochs, step=step).fit(loader)
    t2 = time.perf_counter()
    if table is None:
        wv = WordVectors(net.vectors, vocab)
    else:
        wv = WordVectors(net.vectors, vocab, table, net.subwords.weight.detach()[: table.pad].clone())
    return wv, t1 - t0, t2 - t1, float(state.metrics["train_bce"])


def train_gensim(sentences, epochs: int = 5, seed: int = 0, workers: int = 2,
                 model: str = "skipgram") -> tuple[WordVectors, float]:  # fmt: skip
    """gensim's skip-gram (or CBOW, or FastText) with negative sampling on the same sentences (`<unk>` dropped, as the
    book does); FastText's hash buckets are as many as dive's distinct n-grams."""
    from gensim.models import FastText, Word2Vec

    known = [[t for t in s if t != "<unk>"] for s in sentences]
    # CBOW: sg=0, the mean of the context vectors (gensim's cbow_mean=1)
    settings = dict(vector_size=100, window=5, negative=5, sg=int(model != "cbow"), hs=0, min_count=10, sample=1e-4,
                    epochs=epochs, workers=workers, seed=seed)  # fmt: skip
    if model == "fasttext":
        words = Vocab(sentences, min_freq=10)
        settings.update(min_n=3, max_n=6, bucket=SubwordTable(words.idx_to_token[1:], 3, 6).pad)
    t0 = time.perf_counter()
    m = (FastText if model == "fasttext" else Word2Vec)(known, **settings)
    seconds = time.perf_counter() - t0
    vocab = Vocab()
    vocab.idx_to_token = ["<unk>", *m.wv.index_to_key]
    vocab.token_to_idx = {w: i for i, w in enumerate(vocab.idx_to_token)}
    vectors = torch.cat([torch.zeros(1, 100), torch.from_numpy(m.wv.vectors.copy())])
    return WordVectors(vectors, vocab), seconds


CONTENDERS = {"dive": "dive (word2vec's SGD)", "dive-adam": "dive (Adam, the book's)", "gensim": "gensim (C, SGD)"}


def run_word2vec_bench(
    sentences,
    epochs: int = 5,
    rounds: int = 3,
    model: str = "skipgram",
    contenders: Sequence[str] = tuple(CONTENDERS),
    book_data: bool = True,
) -> list[dict]:
    """One row per contender (medians over alternating rounds): name, seconds, words/s, analogy acc, wordsim
    Spearman (and dive's data seconds and the book's loss)."""
    words = sum(len(s) for s in sentences) * epochs
    rows = []
    if book_data:
        t0 = time.perf_counter()
        book_style_data(sentences)
        rows.append({"name": "book-style data (Python loops)", "data_s": time.perf_counter() - t0})
    runs: dict[str, list[dict]] = {c: [] for c in contenders}
    for _ in range(rounds):
        for c in contenders:
            if c == "gensim":
                wv, train_s = train_gensim(sentences, epochs, model=model)
                r = {"train_s": train_s}
            else:
                optimizer = "adam" if c == "dive-adam" else "sgd"
                wv, data_s, train_s, loss = train_dive(sentences, epochs, optimizer=optimizer, model=model)
                r = {"data_s": data_s, "train_s": train_s, "loss": loss}
            runs[c].append({**r, "words_per_s": words / train_s, **benchmark(wv)})
    for c, rs in runs.items():
        keys = [k for k in rs[0] if isinstance(rs[0][k], float)]
        rows.append({"name": CONTENDERS[c], "key": c, "rounds": [r["train_s"] for r in rs],
                     **rs[0], **{k: statistics.median(r[k] for r in rs) for k in keys}})  # fmt: skip
    return rows


def _cell(row: dict, key: str, fmt: str) -> str:
    return format(row[key], fmt) if key in row else "-"


def format_word2vec_bench(rows: list[dict]) -> str:
    head = f"{'contender':28s} {'data s':>7s} {'train s':>8s} {'words/s':>10s} {'analogy':>8s} {'wordsim':>8s}"
    out = [head + "   train s per round"]
    for r in rows:
        cells = [_cell(r, "data_s", ".2f"), _cell(r, "train_s", ".1f"), _cell(r, "words_per_s", ",.0f"),
                 _cell(r, "analogy_acc", ".3f"), _cell(r, "wordsim_spearman", ".3f")]  # fmt: skip
        per = " ".join(f"{x:.1f}" for x in r.get("rounds", []))
        out.append(
            f"{r['name']:28s} {cells[0]:>7s} {cells[1]:>8s} {cells[2]:>10s} {cells[3]:>8s} {cells[4]:>8s}   {per}"
        )
    by = {r.get("key", "book-style"): r for r in rows}
    g = by.get("gensim")
    for key in ("dive", "dive-adam"):
        if key not in by or g is None:
            continue
        d = by[key]
        n, p = d["analogy_answered"], g["analogy_acc"]
        se = math.sqrt(max(p * (1 - p), 1e-12) / max(n, 1))
        whole = (g["train_s"]) / (d["train_s"] + d["data_s"])
        out.append(f"{d['name']} / gensim: speed {d['words_per_s'] / g['words_per_s']:.2f}x (with dive's data "
                   f"{whole:.2f}x), analogy {d['analogy_acc'] - p:+.3f} (standard error {se:.3f}), wordsim "
                   f"{d['wordsim_spearman'] - g['wordsim_spearman']:+.3f} (analogies answered: {n} / "
                   f"{g['analogy_answered']})")  # fmt: skip
    if "book-style" in by and "dive" in by:
        b, d = by["book-style"]["data_s"], by["dive"]["data_s"]
        out.append(f"data pipeline: book-style {b:.1f} s, dive {d:.1f} s ({b / d:.0f}x)")
    return "\n".join(out)
