"""fastText on PTB (book §15.6.1): `fasttext`, skip-gram whose centre vectors are sums of subword vectors.

The same data and training as `word2vec` (subsampling, windows up to 5, 5 noise words, Adam 2e-3, 5 epochs), with
each centre word read as the bag of its character 3- to 6-grams plus itself (`dive.text.subwords`). The book
describes the model without training it; here it is trained and measured like the others. Its run also stores
the n-gram table, so `dive similar runs/fasttext WORD` answers for words PTB never had.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from dive.data.word_windows import word2vec_data
from dive.models.word2vec import FastTextSkipGram, vocab_ngrams
from dive.recipes.base import Profile, RunContext, RunResult, recipe
from dive.recipes.common import run_fit
from dive.recipes.parts import ModelPart, Trained, vocab_files, vocab_meta, vocab_of
from dive.recipes.word2vec import PTB_DATA, Word2VecConfig, pair_loader, report, similar_words, trainer_parts, uses_sgd
from dive.text.embeddings import WordVectors
from dive.text.subwords import SubwordTable
from dive.train.embedding import NegativeSamplingStep


@dataclass(frozen=True)
class FastTextConfig(Word2VecConfig):
    """Book §15.6.1: the skip-gram settings of word2vec plus the n-gram range of fastText's subwords."""

    nmin: int = 3
    nmax: int = 6
    unseen: str = "microchips"  # a word not in PTB's vocabulary, answered from its n-grams in the summary


def run(cfg: FastTextConfig, ctx: RunContext) -> RunResult:
    sentences = PTB_DATA.read(cfg, ctx.data_root)
    data, vocab, _ = word2vec_data(sentences, cfg.max_window_size, cfg.num_noise_words, cfg.min_freq, cfg.seed,
                                   cfg.subsample)  # fmt: skip
    table = subword_table(cfg, vocab.idx_to_token)
    print(f"{len(sentences):,} sentences, vocabulary {len(vocab):,}, {table.pad:,} subwords "
          f"({cfg.nmin}- to {cfg.nmax}-grams and whole words), {len(data):,} centres")  # fmt: skip
    torch.manual_seed(cfg.seed)
    ctx.meta["vocab"] = vocab_meta(vocab)
    model = fasttext_model(cfg, ctx.meta).to(ctx.device)
    loader = pair_loader(cfg, data)
    step, opt = trainer_parts(cfg, model, NegativeSamplingStep(), len(loader))
    state, _, _ = run_fit(ctx, cfg, model=model, step=step, optimizer=opt, train_loader=loader,
                          max_epochs=cfg.max_epochs)  # fmt: skip
    model.cpu()
    wv = WordVectors(model.vectors, vocab, table, model.subwords.weight.detach()[: table.pad].clone())
    extra = ""
    if cfg.unseen and cfg.unseen not in vocab:
        try:
            near = ", ".join(w for w, _ in wv.similar(cfg.unseen, 3))
            extra = f"; unseen {cfg.unseen!r} -> {near}"
        except Exception:  # no known n-gram at all: nothing to say
            pass
    return report(ctx, cfg, dict(state.metrics), wv.vectors, vocab, "fastText skip-gram", wv=wv, extra=extra)


def subword_table(cfg: FastTextConfig, words: list[str]) -> SubwordTable:
    """The n-gram table of the vocabulary's words (`<unk>`, at index 0, has no subwords)."""
    return SubwordTable(words[1:], cfg.nmin, cfg.nmax)


def fasttext_model(cfg: FastTextConfig, meta: dict) -> FastTextSkipGram:
    """The network of a run: its vocabulary's words, each a row of its n-gram ids (row 0 all padding)."""
    words = meta["vocab"]["idx_to_token"]
    table = subword_table(cfg, words)
    return FastTextSkipGram(len(words), table.pad, vocab_ngrams(table, words), cfg.embed_size, sparse=uses_sgd(cfg))


def subword_vectors(trained: Trained) -> WordVectors:
    """Word vectors that answer unseen words from their n-grams, as the run's summary does."""
    table = subword_table(trained.config, trained.meta["vocab"]["idx_to_token"])
    model = trained.model
    return WordVectors(model.vectors.detach().cpu(), vocab_of(trained.meta), table,
                       model.subwords.weight.detach()[: table.pad].cpu().clone())  # fmt: skip


FASTTEXT_PART = ModelPart(
    build=fasttext_model,
    predictor=similar_words(subword_vectors),
    legacy_meta=vocab_files(vocab="vocab.json"),
    export_note="word vectors are a table, not a network to trace",
)

BOOK = FastTextConfig()
# word2vec's SGD: the centre vector is a sum of ~20 n-gram vectors, each moved by the full gradient, so the
# per-pair rate is a fifth of the skip-gram's
FAST = replace(BOOK, optimizer="sgd", lr=0.02)
recipe("fasttext", section="15.6.1 The fastText model (subword skip-gram), trained on PTB", dataset="ptb",
       metric="train_bce", higher_is_better=False, run=run, model=FASTTEXT_PART, data=PTB_DATA,
       # measured: loss 0.328 in 107 s; analogy acc 0.236 (skip-gram: 0.013), wordsim353 0.310; unseen "microchips"
       # -> chips, chip, microsoft
       book=Profile(BOOK, band=(0.30, 0.36), minutes=3, source="the book trains no fastText: measured, 2 CPU cores"),
       # measured: loss 0.361 in 31 s; analogy acc 0.362, wordsim353 0.300; unseen "microchips" -> chips, mips, chip
       quick=Profile(FAST, band=(0.34, 0.38), minutes=1, source="measured, 2 CPU cores (seeds 0-2)"),
       tiny=Profile(replace(FAST, synthetic=True, min_freq=1, subsample=1e-2, batch_size=256, max_epochs=3,
                            embed_size=16, probe="t0w0", unseen="t3w99")),
)  # fmt: skip
