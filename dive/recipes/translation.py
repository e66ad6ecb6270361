"""Machine translation English -> French (book §10.7, 11.4, 11.7): GRU seq2seq, Bahdanau attention, Transformer.

`scope="book"`: d2l 1.0's slice (the first 512 pairs train, the next 128 validate; vocabularies from those
pairs) and its report: the four sentences go . / i lost . / he's calm . / i'm home . translated greedily, each
with the book's BLEU (k = 2). `scope="full"`: the whole corpus (or its first `max_pairs`), split by source
sentence into train / validation / test; corpus BLEU (sacrebleu) and the mean book BLEU on the held-out test set,
greedy, and beam search on the first `beam_sentences` test sentences.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from dive.core import ConfigError, DiveError
from dive.data import (
    ArrayLoader,
    BucketLoader,
    build_arrays,
    build_vocab,
    fake_translation_text,
    parse_pairs,
    preprocess_nmt,
    read_fra_eng,
    split_by_source,
    trim_padding,
)
from dive.models import Seq2Seq, Seq2SeqAttention, Transformer, cross_attention, greedy_translate_batch, translate
from dive.plot import plot_heatmaps, plot_length_histogram
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
from dive.scratch.schedules import cosine, lambda_factor
from dive.text import Vocab, bleu, corpus_bleu
from dive.train import SupervisedStep, format_summary, sequence_loss, token_count
from dive.train.optim import Adam

BOOK_SENTENCES = (("go .", "va !"), ("i lost .", "j'ai perdu ."), ("he's calm .", "il est calme ."),
                  ("i'm home .", "je suis chez moi ."))  # fmt: skip
MODELS = ("seq2seq", "bahdanau", "transformer")


@dataclass(frozen=True)
class MTConfig(TrainConfig):
    """Book §10.7, 11.4, 11.7: the translation model (seq2seq, bahdanau or transformer), its sizes, the data scope and
    Adam's settings."""

    model: str = "seq2seq"  # seq2seq | bahdanau | transformer
    embed_size: int = 256
    num_hiddens: int = 256
    num_layers: int = 2  # GRU layers, or Transformer blocks on each side
    ffn_num_hiddens: int = 64
    num_heads: int = 4
    dropout: float = 0.2
    lr: float = 0.005  # Adam
    max_epochs: int = 30
    batch_size: int = 128
    num_steps: int = 9
    grad_clip: float = 1.0
    scope: str = "book"  # book | full
    num_train: int = 512  # book scope
    num_val: int = 128
    max_pairs: int = 0  # full scope: use the first N pairs (0: all 167,130)
    min_freq: int = 2
    beam_size: int = 4
    alpha: float = 0.75
    beam_sentences: int = 200
    bucket: bool = False  # Transformer only: batches of similar lengths, cut to their longest pair (same loss)
    schedule: str = "constant"  # or "cosine": lr decays per epoch to lr/100 at max_epochs (book §12.11)


def build_mt_model(cfg: MTConfig, src_size: int, tgt_size: int) -> nn.Module:
    if cfg.model == "seq2seq":
        return Seq2Seq(src_size, tgt_size, cfg.embed_size, cfg.num_hiddens, cfg.num_layers, cfg.dropout)
    if cfg.model == "bahdanau":
        return Seq2SeqAttention(src_size, tgt_size, cfg.embed_size, cfg.num_hiddens, cfg.num_layers, cfg.dropout)
    if cfg.model == "transformer":
        return Transformer(src_size, tgt_size, cfg.num_hiddens, cfg.ffn_num_hiddens, cfg.num_heads, cfg.num_layers,
                           cfg.dropout)  # fmt: skip
    raise ConfigError(f"unknown model {cfg.model!r}; choose one of {', '.join(MODELS)}")


# Tatoeba's English-French pairs as one tab-separated text
MT_DATA = DataPart(real=lambda cfg, root: read_fra_eng(root), stand_in=lambda cfg: fake_translation_text(seed=cfg.seed))


def mt_splits(cfg: MTConfig, ctx: RunContext) -> tuple[dict[str, tuple[list, list]], Vocab, Vocab]:
    """{"train": (src, tgt), "valid": ..., ["test": ...]} token lists, and the vocabularies (from train only)."""
    if cfg.scope not in ("book", "full"):
        raise ConfigError(f"unknown scope {cfg.scope!r}; choose book or full")
    text = MT_DATA.read(cfg, ctx.data_root)
    if cfg.scope == "book":
        src, tgt = parse_pairs(text, cfg.num_train + cfg.num_val)
        n = cfg.num_train
        parts = {"train": (src[:n], tgt[:n]), "valid": (src[n:], tgt[n:])}
        vocab_from = (src, tgt)  # d2l 1.0 builds the vocabularies on both slices
    else:
        src, tgt = parse_pairs(text, cfg.max_pairs or None)
        idx = split_by_source(src)
        parts = {k: ([src[i] for i in ix], [tgt[i] for i in ix]) for k, ix in zip(("train", "valid", "test"), idx)}
        vocab_from = parts["train"]
    src_vocab = build_vocab([[*s, "<eos>"] for s in vocab_from[0]], cfg.min_freq)
    tgt_vocab = build_vocab([[*t, "<eos>"] for t in vocab_from[1]], cfg.min_freq)
    return parts, src_vocab, tgt_vocab


def mt_loaders(cfg: MTConfig, arrays: dict, tgt_pad: int) -> tuple[ArrayLoader, ArrayLoader]:
    """(train, valid) loaders; with `bucket`, length-bucketed and cut to each batch's longest pair."""
    if not cfg.bucket:
        train = ArrayLoader(*arrays["train"].tensors(), batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed)
        return train, ArrayLoader(*arrays["valid"].tensors(), batch_size=256)
    if cfg.model != "transformer":
        raise ConfigError(f"bucket=true is for the Transformer: the {cfg.model} encoder reads padding into its state")
    trim = functools.partial(trim_padding, tgt_pad=tgt_pad)
    lengths = arrays["train"].lengths(tgt_pad)
    train = BucketLoader(*arrays["train"].tensors(), lengths=lengths, batch_size=cfg.batch_size, seed=cfg.seed,
                         batch_transform=trim)  # fmt: skip
    return train, ArrayLoader(*arrays["valid"].tensors(), batch_size=256, batch_transform=trim)


def mt_scheduler(cfg: MTConfig, optimizer: torch.optim.Optimizer) -> torch.optim.lr_scheduler.LambdaLR | None:
    """None for a constant lr (the book's); "cosine": the book's cosine schedule (§12.11) over the epochs."""
    if cfg.schedule == "constant":
        return None
    if cfg.schedule != "cosine":
        raise ConfigError(f"unknown schedule {cfg.schedule!r}; choose constant or cosine")
    factor = lambda_factor(cosine, cfg.lr, max_update=max(cfg.max_epochs, 1), final_lr=cfg.lr / 100)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def train_translation(cfg: MTConfig, ctx: RunContext) -> RunResult:
    parts, src_vocab, tgt_vocab = mt_splits(cfg, ctx)
    ctx.meta.update(src_vocab=vocab_meta(src_vocab), tgt_vocab=vocab_meta(tgt_vocab))
    if ctx.dist.is_main:
        train_src, train_tgt = parts["train"]
        plot_length_histogram([len(s) for s in train_src], [len(t) for t in train_tgt], ctx.out_dir / "lengths.png",
                              labels=("English", "French"))  # fmt: skip
    arrays = {k: build_arrays(*v, cfg.num_steps, src_vocab, tgt_vocab) for k, v in parts.items()}
    train, valid = mt_loaders(cfg, arrays, tgt_vocab["<pad>"])
    model = mt_model(cfg, ctx.meta)
    optimizer = Adam(model.parameters(), lr=cfg.lr)
    state, _, _ = run_fit(
        ctx,
        cfg,
        model=model,
        # padding is not a word: the loss is a mean over real tokens, and the epoch mean is weighted by their count
        step=SupervisedStep(
            functools.partial(sequence_loss, ignore_index=tgt_vocab["<pad>"]),
            functools.partial(token_count, ignore_index=tgt_vocab["<pad>"]),
        ),
        optimizer=optimizer,
        scheduler=mt_scheduler(cfg, optimizer),
        train_loader=train,
        valid_loader=valid,
        max_epochs=cfg.max_epochs,
        valid_name="valid",
        clip_grad_norm=cfg.grad_clip,
    )
    metrics = dict(state.metrics)
    lines = [format_summary(metrics, str(ctx.device), "valid", unit="tokens")]
    if not ctx.dist.is_main:  # rank 0 alone decodes, scores and draws; the others are done
        return RunResult.of(metrics, lines)
    src_vocab.save(ctx.out_dir / "src_vocab.json")  # after the fit: a refused --resume leaves the folder as it was
    tgt_vocab.save(ctx.out_dir / "tgt_vocab.json")
    scores, preds = [], {}
    for en, fr in BOOK_SENTENCES:
        preds[en] = pred = translate(model, en.split(), src_vocab, tgt_vocab, cfg.num_steps, device=ctx.device)
        scores.append(bleu(pred, fr.split(), k=2))
        lines.append(f"{en} => {pred}, bleu {scores[-1]:.3f}")
    metrics["book4_bleu"] = sum(scores) / len(scores)
    if "test" in arrays:
        lines.extend(_test_bleu(cfg, model, arrays["test"], parts["test"], src_vocab, tgt_vocab, metrics, ctx))
    heatmap = ctx.out_dir / "attention.png"
    save_attention_heatmap(model, "i lost .".split(), preds["i lost ."], src_vocab, tgt_vocab, cfg.num_steps, heatmap)
    return RunResult.of(metrics, lines)


def _test_bleu(cfg, model, arrays, pairs, src_vocab, tgt_vocab, metrics, ctx) -> list[str]:
    """Greedy corpus BLEU on the whole test split; greedy vs beam on its first `beam_sentences`."""
    bos, eos = tgt_vocab["<bos>"], tgt_vocab["<eos>"]
    preds: list[list[str]] = []
    for i in range(0, len(arrays), 512):
        enc_X, valid = arrays.enc_X[i : i + 512].to(ctx.device), arrays.enc_valid_len[i : i + 512].to(ctx.device)
        preds += [tgt_vocab.to_tokens(s) for s in greedy_translate_batch(model, enc_X, valid, bos, eos, cfg.num_steps)]
    refs = [" ".join(t) for t in pairs[1]]
    metrics["test_bleu"] = corpus_bleu([" ".join(p) for p in preds], refs)
    metrics["test_book_bleu"] = sum(bleu(p, r.split(), k=4) for p, r in zip(preds, refs)) / max(len(refs), 1)
    n = min(cfg.beam_sentences, len(refs))
    beam = [translate(model, s, src_vocab, tgt_vocab, cfg.num_steps, cfg.beam_size, cfg.alpha) for s in pairs[0][:n]]
    metrics["test_bleu_greedy_subset"] = corpus_bleu([" ".join(p) for p in preds[:n]], refs[:n])
    metrics["test_bleu_beam_subset"] = corpus_bleu([" ".join(p) for p in beam], refs[:n])
    return [
        f"test ({len(refs)} held-out pairs): corpus BLEU {metrics['test_bleu']:.1f} (sacrebleu), "
        f"mean book BLEU (k=4) {metrics['test_book_bleu']:.3f}",
        f"first {n} test sentences: greedy BLEU {metrics['test_bleu_greedy_subset']:.1f}, "
        f"beam {cfg.beam_size} BLEU {metrics['test_bleu_beam_subset']:.1f}",
    ]


def save_attention_heatmap(model, src_tokens, pred, src_vocab, tgt_vocab, num_steps, path: Path) -> bool:
    """Plot the decoder's attention over `src_tokens` while it reads its translation `pred`; False without one."""
    device = next(model.parameters()).device
    src = [*src_tokens, "<eos>"][:num_steps]
    tgt_in = ["<bos>", *pred][:num_steps]
    enc_X = torch.tensor([src_vocab[src]], device=device)
    dec_X = torch.tensor([tgt_vocab[tgt_in]], device=device)
    weights = cross_attention(model, enc_X, dec_X, torch.tensor([len(src)], device=device))
    if weights is None:
        return False
    titles = [f"head {i + 1}" for i in range(weights.shape[0])] if weights.shape[0] > 1 else None
    plot_heatmaps(weights, path, xlabel="source", ylabel="target", titles=titles, xticks=src, yticks=tgt_in)
    return True


def mt_model(cfg: MTConfig, meta: dict) -> nn.Module:
    """The network of a run: its config and the sizes of its two vocabularies."""
    return build_mt_model(cfg, len(meta["src_vocab"]["idx_to_token"]), len(meta["tgt_vocab"]["idx_to_token"]))


def translate_sentences(trained: Trained, inputs: list[str], beam: int = 1, heatmap: str = "") -> Prediction:
    """English -> French, greedy or with beam search (book §10.8); `heatmap`: also draw the attention (a PNG)."""
    if beam < 1:
        raise DiveError("--beam must be >= 1")
    cfg, model = trained.config, trained.model
    src_vocab, tgt_vocab = vocab_of(trained.meta, "src_vocab"), vocab_of(trained.meta, "tgt_vocab")
    device = next(model.parameters()).device
    lines, outputs, files = [], [], []
    for sentence in inputs:
        tokens = [t for t in preprocess_nmt(sentence).split(" ") if t]
        if not tokens:
            raise DiveError("nothing to translate: the sentence is empty")
        unknown = [t for t in tokens if t not in src_vocab]
        if unknown:
            lines.append(unknown_note(unknown, len(tokens), "words", "source"))
        if len(tokens) >= cfg.num_steps:  # the encoder reads num_steps tokens, the last of them <eos>
            cut = len(tokens) - cfg.num_steps + 1
            lines.append(f"note: the model reads {cfg.num_steps - 1} words (its num_steps); the last {cut} are cut")
        pred = translate(model, tokens, src_vocab, tgt_vocab, cfg.num_steps, beam, cfg.alpha, device)
        outputs.append(" ".join(pred))
        lines.append(outputs[-1])
        if heatmap:
            path = Path(heatmap)
            path.parent.mkdir(parents=True, exist_ok=True)
            if save_attention_heatmap(model, tokens, pred, src_vocab, tgt_vocab, cfg.num_steps, path):
                lines.append(f"wrote {path}")
                files.append(path)
            else:
                lines.append(f"note: the {cfg.model} model has no attention to plot")
    return Prediction.of(lines, outputs, files)


MT_PART = ModelPart(
    build=mt_model,
    predictor=Predictor(
        kind="translate",
        run=translate_sentences,
        inputs="SENTENCE...: English, e.g. 'i lost .'",
        options={"beam": 1, "heatmap": ""},
        example=lambda trained: ["i lost ."],
    ),  # fmt: skip
    legacy_meta=vocab_files(src_vocab="src_vocab.json", tgt_vocab="tgt_vocab.json"),
    export_input=lambda trained: (
        torch.ones(1, trained.config.num_steps, dtype=torch.long),
        torch.ones(1, trained.config.num_steps, dtype=torch.long),
        torch.tensor([trained.config.num_steps]),
    ),  # fmt: skip
)
