"""`dive bench sentiment`: the BiLSTM of book §16.2 trained the book's way against dive's way, on real reviews.

Contenders (each call trains one pass over the same reviews and returns *real* tokens per second, so padding
counts as cost, not as work):
- `book`: the book's pipeline: every review padded or cut to 500 tokens, a per-sample `Dataset` and a shuffling
  `DataLoader` (batch 64), the book's loop with its per-batch Python floats (`train_batch_ch13`), the model reading
  all 500 steps (`BiRNN(X)`, its first and last padded steps classified);
- `dive`: `BucketLoader` batches of similar length cut to their longest review, the model reading the real lengths
  (`BiRNN(X, lengths)`: logits equal to the padded batch's, tested), `Trainer`.
Both start from the same weights with the same Adam.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import DataLoader, Dataset

from dive.bench.harness import alternate, median
from dive.data import BucketLoader
from dive.data.imdb import trim_to_longest
from dive.models.sentiment import BiRNN
from dive.train import SupervisedStep, Trainer


class BookStyleReviews(Dataset):
    """One (padded review, label) at a time, as `torch.utils.data.TensorDataset` serves the book's arrays."""

    def __init__(self, X: Tensor, y: Tensor) -> None:
        self.X, self.y = X, y

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int):
        return self.X[i], self.y[i]


def _model(vocab_size: int) -> BiRNN:
    torch.manual_seed(0)
    return BiRNN(vocab_size, 100, 100, 2)


def _book_case(X: Tensor, lengths: Tensor, y: Tensor, vocab_size: int, batch_size: int) -> Callable[[], float]:
    model = _model(vocab_size)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    loader = DataLoader(BookStyleReviews(X, y), batch_size=batch_size, shuffle=True)
    real = float(lengths.sum())

    def epoch() -> float:
        t = time.perf_counter()
        model.train()
        for Xb, yb in loader:
            opt.zero_grad()
            pred = model(Xb)
            loss = F.cross_entropy(pred, yb, reduction="none")
            loss.sum().backward()  # the book's train_batch_ch13: l.sum().backward()
            opt.step()
            float(loss.detach().sum()), float((pred.argmax(1) == yb).sum())  # its Accumulator, every batch
        return real / (time.perf_counter() - t)

    return epoch


def _dive_case(X: Tensor, lengths: Tensor, y: Tensor, vocab_size: int, batch_size: int) -> Callable[[], float]:
    model = _model(vocab_size)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    trainer = Trainer(model, None, opt, step=SupervisedStep(F.cross_entropy), max_epochs=1)
    loader = BucketLoader(X, lengths, y, lengths=lengths, batch_size=batch_size, batch_transform=trim_to_longest)
    real = float(lengths.sum())

    def epoch() -> float:
        t = time.perf_counter()
        trainer.fit(loader)
        return real / (time.perf_counter() - t)

    return epoch


def run_sentiment_bench(X: Tensor, lengths: Tensor, y: Tensor, vocab_size: int, reviews: int = 1000,
                        rounds: int = 3, batch_size: int = 64, log: Callable[[str], None] = print) -> dict:  # fmt: skip
    """Alternate the two for `rounds` passes over `reviews` random training reviews; medians and the ratio."""
    g = torch.Generator().manual_seed(0)
    idx = torch.randperm(len(y), generator=g)[:reviews]
    X, lengths, y = X[idx], lengths[idx], y[idx]
    share = float(lengths.sum()) / X.numel()
    log(f"{len(y):,} reviews padded to {X.shape[1]} steps; real tokens {share:.0%} of the padded batch; batch "
        f"{batch_size}, {rounds} alternating rounds of one pass each")  # fmt: skip
    cases = {"book": _book_case(X, lengths, y, vocab_size, batch_size),
             "dive": _dive_case(X, lengths, y, vocab_size, batch_size)}  # fmt: skip
    rounds_out = alternate(cases, rounds, lambda n, r, v: log(f"  round {r + 1}: {n} {v:,.0f} real tokens/s"))
    med = {k: median(v) for k, v in rounds_out.items()}
    return {"rounds": rounds_out, "medians": med, "ratio": med["dive"] / med["book"], "real_share": share}


def format_sentiment_bench(r: dict) -> str:
    lines = ["| pipeline | median real tokens/s | vs book |", "|---|---|---|"]
    for k, v in r["medians"].items():
        lines.append(f"| {k} | {v:,.0f} | {v / r['medians']['book']:.2f}x |")
    return "\n".join(lines)
