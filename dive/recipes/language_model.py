"""Character-level language models on The Time Machine (book §9.5-9.6, 10.1-10.4): RNN, GRU, LSTM, deep, bidirectional.

One recipe module for the eight recurrent recipes: they differ only in the network (scratch or concise; cell;
layers; directions) and the book's learning rate and epochs. Training minimises the mean cross-entropy per token
with SGD and gradient clipping at norm 1; the metric is perplexity (exp of that mean) on held-out text.

Data schemes (`scheme`): "windows" is d2l 1.0's (the first 10,000 overlapping windows train, the next 5,000
validate); "random" and "sequential" are the book's two samplers (§9.3.4) on the first 90% of the novel, the last
10% held out (read sequentially, the state carried, for evaluation).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from dive.core import ConfigError, DiveError
from dive.data import (
    Corpus,
    RandomSeqLoader,
    SequentialSeqLoader,
    build_corpus,
    fake_text,
    load_time_machine,
    window_loaders,
    windows,
)
from dive.models import RNNLM
from dive.recipes.base import DataPart, RunContext, RunResult, TrainConfig
from dive.recipes.common import run_fit
from dive.recipes.parts import (
    ModelPart,
    Prediction,
    Predictor,
    Trained,
    unknown_note,
    vocab_files,
    vocab_meta,
    vocab_of,
)
from dive.scratch import GRUScratch, LSTMScratch, Recurrent, RNNLMScratch, RNNScratch
from dive.text import Vocab, generate, prefix_only_perplexity
from dive.train import SequenceStep, format_summary, perplexity, sequence_loss
from dive.train.optim import SGD

SCRATCH_CELLS = {"rnn": RNNScratch, "gru": GRUScratch, "lstm": LSTMScratch}
SCHEMES = ("windows", "random", "sequential")


@dataclass(frozen=True)
class LMConfig(TrainConfig):
    """d2l 1.0's defaults: 32 hidden units, batch 1024 windows of 32 characters, SGD lr 1, clip 1, 100 epochs."""

    cell: str = "rnn"  # rnn | gru | lstm
    scratch: bool = False  # the from-scratch network (dive.scratch) instead of nn.RNN/GRU/LSTM
    num_hiddens: int = 32
    num_layers: int = 1
    bidirectional: bool = False
    dropout: float = 0.0
    batch_size: int = 1024
    num_steps: int = 32
    lr: float = 1.0
    max_epochs: int = 100
    grad_clip: float = 1.0
    scheme: str = "windows"  # windows | random | sequential
    num_train: int = 10000  # windows scheme
    num_val: int = 5000
    valid_fraction: float = 0.1  # random / sequential schemes: the held-out tail of the novel
    max_tokens: int = 0  # keep only the first tokens (0: all)
    token: str = "char"  # char | word
    prefix: str = "time traveller"
    num_preds: int = 50


def build_lm(cfg: LMConfig, vocab_size: int) -> nn.Module:
    """The recipe's network: `RNNLMScratch` over scratch cells, or the concise `RNNLM`."""
    if cfg.cell not in SCRATCH_CELLS:
        raise ConfigError(f"unknown cell {cfg.cell!r}; choose one of {', '.join(SCRATCH_CELLS)}")
    if cfg.scratch:
        rnn = Recurrent(SCRATCH_CELLS[cfg.cell], vocab_size, cfg.num_hiddens, cfg.num_layers, cfg.bidirectional)
        return RNNLMScratch(rnn, vocab_size)
    return RNNLM(vocab_size, cfg.num_hiddens, cfg.cell, cfg.num_layers, cfg.bidirectional, cfg.dropout)


# The Time Machine as a `Corpus` (token ids and vocabulary) at the configured token level
LM_DATA = DataPart(
    real=lambda cfg, root: load_time_machine(root, cfg.token, max_tokens=cfg.max_tokens or None),
    stand_in=lambda cfg: build_corpus(fake_text(seed=cfg.seed), cfg.token, max_tokens=cfg.max_tokens or None),
)


def lm_loaders(cfg: LMConfig, corpus: Corpus) -> tuple[Any, Any]:
    """(train, valid) loaders for the configured scheme."""
    if cfg.scheme == "windows":
        return window_loaders(corpus.ids, cfg.batch_size, cfg.num_steps, cfg.num_train, cfg.num_val, cfg.seed)
    if cfg.scheme not in SCHEMES:
        raise ConfigError(f"unknown scheme {cfg.scheme!r}; choose one of {', '.join(SCHEMES)}")
    train_ids, valid_ids = corpus.split(cfg.valid_fraction)
    sampler = RandomSeqLoader if cfg.scheme == "random" else SequentialSeqLoader
    valid_batch = max(1, min(cfg.batch_size, (valid_ids.numel() - 1) // (cfg.num_steps + 1)))
    return (
        sampler(train_ids, cfg.batch_size, cfg.num_steps, seed=cfg.seed),
        SequentialSeqLoader(valid_ids, valid_batch, cfg.num_steps, random_offset=False),
    )


def held_out_windows(cfg: LMConfig, corpus: Corpus, count: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    """Up to `count` validation windows (X, Y), each (count, T), for the prefix-only perplexity."""
    if cfg.scheme == "windows":
        first, available = cfg.num_train, cfg.num_val
    else:
        first = int(len(corpus) * (1 - cfg.valid_fraction))
        available = len(corpus) - first - cfg.num_steps
    count = max(1, min(count, available))
    return windows(corpus.ids, cfg.num_steps, first, count)


def train_lm(cfg: LMConfig, ctx: RunContext) -> RunResult:
    """Train, report train/valid perplexity and tokens/s, save vocab.json and generated samples."""
    corpus = LM_DATA.read(cfg, ctx.data_root)
    train_loader, valid_loader = lm_loaders(cfg, corpus)
    ctx.meta["vocab"] = vocab_meta(corpus.vocab)
    model = lm_model(cfg, ctx.meta)
    state, _, _ = run_fit(
        ctx,
        cfg,
        model=model,
        step=SequenceStep(sequence_loss),  # (Y, state): the state is carried under sequential partitioning
        optimizer=SGD(model.parameters(), lr=cfg.lr),
        train_loader=train_loader,
        valid_loader=valid_loader,
        max_epochs=cfg.max_epochs,
        metrics=[perplexity],
        valid_name="valid",
        clip_grad_norm=cfg.grad_clip,
    )
    metrics = dict(state.metrics)
    lines = [format_summary(metrics, str(ctx.device), "valid", unit="tokens")]
    if not ctx.dist.is_main:  # rank 0 alone samples and writes; the others are done
        return RunResult.of(metrics, lines)
    corpus.vocab.save(ctx.out_dir / "vocab.json")  # after the fit: a refused --resume leaves the folder as it was
    if cfg.bidirectional:  # book §10.4.3: the right-hand context holds the answer; take it away
        X, Y = held_out_windows(cfg, corpus)
        metrics["valid_prefix_ppl"] = prefix_only_perplexity(model, X.to(ctx.device), Y.to(ctx.device))
        lines.append(
            f"valid ppl {metrics['valid_ppl']:.2f} reads the future; predicting from the prefix only, as"
            f" generation must: ppl {metrics['valid_prefix_ppl']:.2f}"
        )
    samples = [generate(model, p, cfg.num_preds, corpus.vocab, cfg.token) for p in (cfg.prefix, "traveller")]
    (ctx.out_dir / "samples.txt").write_text("\n".join(samples) + "\n")
    lines.extend(samples)
    return RunResult.of(metrics, lines)


def lm_model(cfg: LMConfig, meta: dict) -> nn.Module:
    """The network of a run: its config and the size of its vocabulary (`meta["vocab"]`)."""
    return build_lm(cfg, len(meta["vocab"]["idx_to_token"]))


def load_language_model(checkpoint: str | Path) -> tuple[nn.Module, Vocab, LMConfig]:
    """(model, vocab, config) of a language-model run (its folder or checkpoint), rebuilt through the registry."""
    from dive.recipes.trained import load_trained

    trained = load_trained(checkpoint)
    if not isinstance(trained.config, LMConfig):
        raise DiveError(f"{checkpoint} is not a language-model run (recipe {trained.recipe!r})")
    return trained.model, vocab_of(trained.meta), trained.config


MAX_GENERATE = 10_000  # tokens one generation writes at most: past that, a greedy RNN only loops, for minutes


def generate_text(trained: Trained, inputs: list[str], length: int = 50) -> Prediction:
    """Greedy continuation of each prefix (book §9.5.4); a note names the prefix's tokens the vocabulary lacks."""
    if not 0 <= length <= MAX_GENERATE:
        raise DiveError(f"the length must be in 0..{MAX_GENERATE:,} tokens (got {length:,})")
    cfg, vocab = trained.config, vocab_of(trained.meta)
    lines, texts = [], []
    for prefix in inputs:
        if not prefix.strip():
            raise DiveError("the prefix is empty: a language model continues some text; give it a word or more")
        prefix = prefix.lower() if cfg.token == "char" else prefix
        tokens = list(prefix) if cfg.token == "char" else prefix.split()
        unknown = [t for t in tokens if t not in vocab]
        if unknown:
            lines.append(unknown_note(unknown, len(tokens), "characters" if cfg.token == "char" else "words"))
        texts.append(generate(trained.model, prefix, length, vocab, cfg.token, progress=_progress_bar(length)))
        lines.append(texts[-1])
    return Prediction.of(lines, texts)


def _progress_bar(total: int):
    """A bar on stderr for a long generation (a few thousand tokens take seconds), None for a short one."""
    if total < 2_000:
        return None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="tok", desc="generating", leave=False, disable=None)  # None: only on a terminal

    def step(i: int) -> None:
        bar.update(1)
        if i + 1 == total:
            bar.close()

    return step


LM_PART = ModelPart(
    build=lm_model,
    predictor=Predictor(
        kind="generate",
        run=generate_text,
        inputs="PREFIX...: text to continue, e.g. 'time traveller'",
        options={"length": 50},
        example=lambda trained: ["time traveller"],
    ),  # fmt: skip
    legacy_meta=vocab_files(vocab="vocab.json"),
    export_input=lambda trained: None if trained.config.scratch else (torch.zeros(1, 8, dtype=torch.long),),
    export_note="the from-scratch network loops over time steps in Python; export the concise recipe's",
)
