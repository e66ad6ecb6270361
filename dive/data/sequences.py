"""Minibatches for language models (book §9.3.4 and d2l 1.0 §9.3): X (B, T) token ids, Y = X shifted by one.

Three schemes:
- `RandomSeqLoader` (random sampling): subsequences from random positions; neighbouring batches are unrelated,
  so the model starts every batch from a zero state.
- `SequentialSeqLoader` (sequential partitioning): row r of batch k+1 continues row r of batch k, so the hidden
  state is carried across batches (`carries_state = True`: the trainer passes it on, detached, which is
  truncated backpropagation through time).
- `window_loaders` (d2l 1.0 `TimeMachine`): every overlapping window of length T; the first `num_train` windows
  train (shuffled), the next `num_val` validate.

Each epoch draws its offset and order from a generator seeded by (seed, epoch), never the global RNG, so a run
resumed mid-epoch sees the same batches. The book draws the offset before counting batches, so its batch count
varies by one between epochs; here it is counted at the largest offset, the same every epoch.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor

from dive.core import epoch_generator
from dive.data.loader import ArrayLoader, RowShard

Batch = tuple[Tensor, Tensor]


def _check(corpus: Tensor, batch_size: int, num_steps: int, need: int) -> None:
    if corpus.dim() != 1:
        raise ValueError(f"corpus must be a 1-D tensor of token ids, got shape {tuple(corpus.shape)}")
    if batch_size < 1 or num_steps < 1:
        raise ValueError(f"batch_size and num_steps must be >= 1, got {batch_size} and {num_steps}")
    if need < 1:
        raise ValueError(
            f"a corpus of {corpus.numel()} tokens is too short for batches of {batch_size} x {num_steps} steps"
        )


class RandomSeqLoader:
    """Random sampling: (X, Y) batches of `batch_size` subsequences of `num_steps` tokens from random positions."""

    carries_state = False

    def __init__(self, corpus: Tensor, batch_size: int, num_steps: int, seed: int = 0) -> None:
        self.corpus, self.batch_size, self.num_steps, self.seed = corpus, batch_size, num_steps, seed
        self.num_batches = ((corpus.numel() - num_steps) // num_steps) // batch_size
        _check(corpus, batch_size, num_steps, self.num_batches)
        self._epoch = 0

    def __len__(self) -> int:
        return self.num_batches

    def epoch(self, epoch: int, start: int = 0) -> Iterator[Batch]:
        g = epoch_generator(self.seed, epoch)
        offset = int(torch.randint(0, self.num_steps, (1,), generator=g))
        num_subseqs = (self.corpus.numel() - 1 - offset) // self.num_steps
        starts = offset + self.num_steps * torch.randperm(num_subseqs, generator=g)
        cols = torch.arange(self.num_steps)
        for i in range(start, self.num_batches):
            s = starts[i * self.batch_size : (i + 1) * self.batch_size, None] + cols  # (B, T) positions
            yield self.corpus[s], self.corpus[s + 1]

    def set_epoch(self, epoch: int) -> None:
        self._epoch = epoch

    def __iter__(self) -> Iterator[Batch]:
        return self.epoch(self._epoch)

    def shard(self, rank: int, world_size: int) -> RowShard:
        """Each process takes its rows (streams) of every batch (`RowShard`)."""
        return RowShard(self, rank, world_size)


class SequentialSeqLoader:
    """Sequential partitioning: the corpus cut into `batch_size` parallel streams read `num_steps` at a time.

    `random_offset=False` starts at token 0 every epoch (for evaluation on held-out text).
    """

    carries_state = True

    def __init__(
        self, corpus: Tensor, batch_size: int, num_steps: int, seed: int = 0, random_offset: bool = True
    ) -> None:
        self.corpus, self.batch_size, self.num_steps, self.seed = corpus, batch_size, num_steps, seed
        self.random_offset = random_offset
        spare = num_steps - 1 if random_offset else 0
        self.stream_len = (corpus.numel() - 1 - spare) // batch_size
        self.num_batches = self.stream_len // num_steps
        _check(corpus, batch_size, num_steps, self.num_batches)
        self._epoch = 0

    def __len__(self) -> int:
        return self.num_batches

    def epoch(self, epoch: int, start: int = 0) -> Iterator[Batch]:
        offset = 0
        if self.random_offset:
            offset = int(torch.randint(0, self.num_steps, (1,), generator=epoch_generator(self.seed, epoch)))
        n = self.stream_len * self.batch_size
        Xs = self.corpus[offset : offset + n].reshape(self.batch_size, -1)  # (B, stream_len)
        Ys = self.corpus[offset + 1 : offset + 1 + n].reshape(self.batch_size, -1)
        for i in range(start, self.num_batches):
            cols = slice(i * self.num_steps, (i + 1) * self.num_steps)
            yield Xs[:, cols], Ys[:, cols]

    def set_epoch(self, epoch: int) -> None:
        self._epoch = epoch

    def __iter__(self) -> Iterator[Batch]:
        return self.epoch(self._epoch)

    def shard(self, rank: int, world_size: int) -> RowShard:
        """Each process takes its rows (streams) of every batch (`RowShard`)."""
        return RowShard(self, rank, world_size)


def windows(corpus: Tensor, num_steps: int, first: int, count: int) -> Batch:
    """Windows `first .. first+count-1`: X[i] = corpus[i : i+T], Y[i] = corpus[i+1 : i+T+1]. Each (count, T)."""
    idx = torch.arange(first, first + count)[:, None] + torch.arange(num_steps)  # (count, T)
    return corpus[idx], corpus[idx + 1]


def window_loaders(
    corpus: Tensor, batch_size: int, num_steps: int, num_train: int = 10000, num_val: int = 5000, seed: int = 0
) -> tuple[ArrayLoader, ArrayLoader]:
    """d2l 1.0's scheme: the first `num_train` overlapping windows train (shuffled), the next `num_val` validate.

    Note the book's choice: 15,000 windows cover only the first ~15,000 characters of the novel, and the
    validation windows overlap the last training windows by up to T-1 characters.
    """
    available = corpus.numel() - num_steps
    if num_train + num_val > available:
        raise ValueError(
            f"{num_train} + {num_val} windows of {num_steps} steps need {num_train + num_val + num_steps} tokens;"
            f" the corpus has {corpus.numel()}"
        )
    train = windows(corpus, num_steps, 0, num_train)
    valid = windows(corpus, num_steps, num_train, num_val)
    return (
        ArrayLoader(*train, batch_size=batch_size, shuffle=True, seed=seed),
        ArrayLoader(*valid, batch_size=batch_size),
    )
