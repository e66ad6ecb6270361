"""Sentiment analysis on IMDb (book §16.2-16.3): `sentiment-birnn` and `sentiment-textcnn`.

The book: 25,000 training reviews, the vocabulary of words seen 5+ times, each review cut or padded to 500 tokens,
batch 64, 5 epochs of Adam (0.01 for the BiLSTM, 0.001 for textCNN), the embedding initialised from GloVe 6B-100d
and frozen (textCNN: one frozen copy, one trained); it reaches test accuracy 0.86 (BiRNN) and 0.87 (textCNN).

GloVe is not obtainable offline. `--vectors PATH` takes GloVe / fastText text files or a dive word-vector run (the
book's experiment when PATH is glove.6B.100d.txt). `--vectors imdb` trains skip-gram vectors on the *training*
reviews first (never the test ones; cached). Without vectors (the default) the embedding starts random and is
trained, since a frozen random embedding could not learn word meaning.

Speed: reviews average 218 tokens after the cut at 500, so 57% of the book's padded batch is padding. dive
batches reviews of similar length (`BucketLoader`), cuts each batch to its longest review, and the models read
the real lengths, which makes the padding irrelevant (logits equal, tested). `--bucket=false` is the book's way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from dive.core import ConfigError, DiveError
from dive.data import ArrayLoader, BucketLoader
from dive.data.imdb import (
    LABELS,
    build_arrays,
    encode_reviews,
    fake_reviews,
    load_imdb,
    tokenize_review,
    trim_to_longest,
)
from dive.models.sentiment import BiRNN, TextCNN
from dive.plot import plot_confusion
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import run_fit
from dive.recipes.parts import DataPart, ModelPart, Prediction, Predictor, Trained, vocab_files, vocab_meta, vocab_of
from dive.recipes.sentiment_vectors import init_embeddings
from dive.text import Vocab
from dive.train import accuracy, format_summary
from dive.train.optim import Adam


@dataclass(frozen=True)
class SentimentConfig(TrainConfig):
    """Book §16.2-16.3: the model (BiRNN or textCNN), IMDb's cut at num_steps, the embedding's source and Adam's
    settings."""

    arch: str = "birnn"  # or "textcnn"
    num_steps: int = 500  # the book's cut
    min_freq: int = 5
    batch_size: int = 64
    embed_size: int = 100
    num_hiddens: int = 100  # BiRNN
    num_layers: int = 2  # BiRNN
    kernel_sizes: str = "3,4,5"  # textCNN
    num_channels: int = 100  # textCNN, per kernel size
    lr: float = 0.01
    max_epochs: int = 5
    vectors: str = ""  # "": random and trained; a GloVe/fastText .txt/.vec or a dive run; "imdb": trained here
    freeze: bool = True  # with vectors: keep them fixed, as the book does (textCNN always keeps one copy fixed)
    bucket: bool = True  # batches of similar length cut to their longest review (False: the book's padded 500)
    train_size: int = 0  # 0: all 25,000 training reviews; else a class-balanced random subset of this many
    test_size: int = 0  # 0: all 25,000 test reviews; else a class-balanced random subset (seeded apart from train)


# IMDb's reviews as padded token arrays and their vocabulary (`load_imdb`)
SENTIMENT_DATA = DataPart(
    real=lambda cfg, root: load_imdb(root, cfg.num_steps, cfg.min_freq),
    stand_in=lambda cfg: build_arrays(fake_reviews(cfg.seed), cfg.num_steps, min_freq=1),
)


def subset(arrays: tuple[Tensor, ...], size: int, seed: int) -> tuple[Tensor, ...]:
    """`size` rows drawn at random with both labels equally often (labels are the last tensor)."""
    if size <= 0 or size >= len(arrays[0]):
        return arrays
    g = torch.Generator().manual_seed(seed)
    y = arrays[-1]
    keep = torch.cat([torch.nonzero(y == c)[:, 0][torch.randperm(int((y == c).sum()), generator=g)][: size // 2]
                      for c in (0, 1)])  # fmt: skip
    keep = keep[torch.randperm(len(keep), generator=g)]
    return tuple(t[keep] for t in arrays)


def build_model(cfg: SentimentConfig, vocab_size: int) -> nn.Module:
    if cfg.arch == "birnn":
        return BiRNN(vocab_size, cfg.embed_size, cfg.num_hiddens, cfg.num_layers)
    if cfg.arch == "textcnn":
        sizes = tuple(int(k) for k in cfg.kernel_sizes.split(","))
        return TextCNN(vocab_size, cfg.embed_size, sizes, (cfg.num_channels,) * len(sizes))
    raise ConfigError(f"--arch is birnn or textcnn, got {cfg.arch!r}")


def loaders(cfg: SentimentConfig, train: tuple[Tensor, ...], test: tuple[Tensor, ...]):
    """dive's: length buckets, cut to the longest review; the book's: shuffled (X, y) padded to num_steps."""
    if not cfg.bucket:
        return (ArrayLoader(train[0], train[2], batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed),
                ArrayLoader(test[0], test[2], batch_size=cfg.batch_size))  # fmt: skip
    order = torch.argsort(test[1], stable=True)  # test batches of similar length too (order does not matter)
    test_loader = ArrayLoader(
        *(t[order] for t in test), batch_size=max(cfg.batch_size, 256), batch_transform=trim_to_longest
    )
    train_loader = BucketLoader(*train, lengths=train[1], batch_size=cfg.batch_size, seed=cfg.seed,
                                batch_transform=trim_to_longest)  # fmt: skip
    return train_loader, test_loader


@torch.inference_mode()
def predict(model: nn.Module, X: Tensor, lengths: Tensor, device, batch_size: int = 256) -> Tensor:
    """Class probabilities (N, 2) for tokenised reviews, in batches of similar length."""
    model.eval()
    order = torch.argsort(lengths)
    probs = torch.empty(len(X), 2)
    for idx in order.split(batch_size):
        L = lengths[idx]
        logits = model(X[idx, : int(L.max())].to(device), L.to(device))
        probs[idx] = F.softmax(logits.float(), dim=1).cpu()
    return probs


def run(cfg: SentimentConfig, ctx: RunContext) -> RunResult:
    data = SENTIMENT_DATA.read(cfg, ctx.data_root)
    train = subset(data.train, cfg.train_size, cfg.seed)
    test = subset(data.test, cfg.test_size, cfg.seed + 1)
    real = float(train[1].sum()) / train[1].numel() / cfg.num_steps
    print(f"{len(train[0]):,} training and {len(test[0]):,} test reviews, vocabulary {len(data.vocab):,}; "
          f"real tokens {real:.0%} of the padded {cfg.num_steps} steps")  # fmt: skip
    torch.manual_seed(cfg.seed)
    ctx.meta["vocab"] = vocab_meta(data.vocab)
    model = sentiment_model(cfg, ctx.meta)
    note = init_embeddings(model, cfg, data.vocab, train, ctx)
    train_loader, test_loader = loaders(cfg, train, test)
    opt = Adam([p for p in model.parameters() if p.requires_grad], lr=cfg.lr)
    state, _, _ = run_fit(ctx, cfg, model=model, loss_fn=F.cross_entropy, optimizer=opt, train_loader=train_loader,
                          valid_loader=test_loader, max_epochs=cfg.max_epochs, metrics=[accuracy])  # fmt: skip
    m = dict(state.metrics)
    pred = predict(model, test[0], test[1], ctx.device).argmax(1)
    counts = torch.bincount(test[2] * 2 + pred, minlength=4).view(2, 2)
    m["majority_floor"] = float(max(test[2].float().mean(), 1 - test[2].float().mean()))
    if ctx.dist.is_main:
        data.vocab.save(ctx.out_dir / "vocab.json")  # after the fit: a refused --resume leaves the folder as it was
        plot_confusion(counts, list(LABELS), ctx.out_dir / "confusion.png")
    summary = (f"{format_summary(m, str(ctx.device))}\nembedding: {note}; majority-class floor "
               f"{m['majority_floor']:.3f}; per class (test): negative {counts[0, 0] / counts[0].sum():.3f}, "
               f"positive {counts[1, 1] / counts[1].sum():.3f}")  # fmt: skip
    return RunResult.of(m, summary)


def sentiment_model(cfg: SentimentConfig, meta: dict) -> nn.Module:
    """The network of a run: its config and the size of its vocabulary."""
    return build_model(cfg, len(meta["vocab"]["idx_to_token"]))


def classify_reviews(trained: Trained, inputs: list[str]) -> Prediction:
    """Each review's label and its probability, with a note where the model read only part of it or none of its
    words is known."""
    vocab = vocab_of(trained.meta)
    lines, labels = [], []
    for text in inputs:
        label, prob, facts = classify_review(trained.model, vocab, trained.config, text)
        labels.append(label)
        lines.append(f"{label} ({prob:.3f})")
        if facts["read"] < facts["tokens"]:
            lines.append(
                f"note: read the first {facts['read']:,} of {facts['tokens']:,} tokens (the model's num_steps)"
            )
        if facts["known"] == 0:
            lines.append("note: no word of the review is in the vocabulary: the label reflects only the model's bias")
    return Prediction.of(lines, labels)


SENTIMENT_PART = ModelPart(
    build=sentiment_model,
    predictor=Predictor(
        kind="text-class",
        run=classify_reviews,
        inputs="REVIEW...: English text, e.g. 'so great'",
        example=lambda trained: ["this movie is great", "a dull and boring film"],
    ),  # fmt: skip
    legacy_meta=vocab_files(vocab="vocab.json"),
    export_input=lambda trained: (torch.ones(1, 12, dtype=torch.long), torch.tensor([12])),
)

BIRNN = SentimentConfig()
TEXTCNN = replace(BIRNN, arch="textcnn", lr=0.001)
TINY = replace(BIRNN, synthetic=True, num_steps=40, batch_size=32, embed_size=16, num_hiddens=8, max_epochs=3)
recipe(
    "sentiment-birnn",
    section="16.2 Sentiment analysis: recurrent neural networks (2-layer BiLSTM, IMDb)",
    dataset="aclImdb",
    metric="test_acc",
    run=run,
    model=SENTIMENT_PART,
    data=SENTIMENT_DATA,
    book=Profile(BIRNN, band=(0.80, 0.90), minutes=40, source="book §16.2.3: test acc 0.86 with frozen GloVe"),
    # 10,000 reviews cut at 200 steps, 3 epochs: test acc 0.760 on 10,000 held-out reviews in 206 s (train acc 0.937:
    # it overfits); 2 epochs: 0.747, with a random embedding 0.648
    quick=Profile(replace(BIRNN, num_steps=200, batch_size=128, max_epochs=3, train_size=10000, test_size=10000,
                          vectors="imdb", freeze=False), band=(0.72, 0.80), minutes=5, source="measured, 2 CPU cores"),
    tiny=Profile(TINY),
)  # fmt: skip
recipe("sentiment-textcnn", section="16.3 Sentiment analysis: convolutional neural networks (textCNN, IMDb)",
       dataset="aclImdb", metric="test_acc", run=run, model=SENTIMENT_PART, data=SENTIMENT_DATA,
       book=Profile(TEXTCNN, band=(0.80, 0.90), minutes=15, source="book §16.3.3: test acc 0.87 with GloVe"),
       # 10,000 reviews (500 steps) to train, 10,000 held-out test reviews: test acc 0.848 in 244 s, 60 s of which
       # train the skip-gram vectors (cached afterwards); a random embedding gives 0.787 in 183 s
       quick=Profile(replace(TEXTCNN, train_size=10000, test_size=10000, max_epochs=3, vectors="imdb"),
                     band=(0.82, 0.88), minutes=5, source="measured, 2 CPU cores"),
       tiny=Profile(replace(TINY, arch="textcnn", lr=0.01, num_channels=8)),
)  # fmt: skip


def classify_review(model: nn.Module, vocab: Vocab, cfg: SentimentConfig, text: str) -> tuple[str, float, dict]:
    """(label, its probability, facts: tokens, known, read) for one review, tokenised the book's way."""
    tokens = tokenize_review(text)
    if not tokens:
        raise DiveError("the review is empty: give a few words to classify")
    X, lengths = encode_reviews([tokens], vocab, cfg.num_steps)
    probs = predict(model, X, lengths, next(model.parameters()).device)[0]
    known = sum(1 for t in tokens[: cfg.num_steps] if t in vocab)
    label = int(probs.argmax())
    return LABELS[label], float(probs[label]), {"tokens": len(tokens), "known": known, "read": int(lengths[0])}
