"""Minibatches from tensors held in memory: the fast path for every dataset that fits in RAM.

The book feeds images one at a time through PIL and `ToTensor` in a `DataLoader`. Here a dataset is a few tensors
(for Fashion-MNIST, 47 MB of uint8); each batch is gathered with one index operation and transformed as a whole
(`uint8 -> float`, resize, normalise), so no worker processes are needed.

Each epoch's order comes from a generator seeded by (seed, epoch), never from the global RNG, so a run resumed
at batch k of epoch e sees exactly the batches it would have seen.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator

import torch
from torch import Tensor

from dive.core import ConfigError, Loader, batch_generator, epoch_generator

Batch = tuple[Tensor, ...]


class ArrayLoader:
    """Iterate minibatches of `tensors` (all with the same first dimension N); a `dive.core.Loader`.

    `transform`, if given, maps the first tensor of a batch (e.g. uint8 images (B, 28, 28)) to the model's input
    (e.g. float (B, 1, 28, 28)); `batch_transform` maps the whole batch (e.g. cutting padding columns);
    `augment(batch, generator)` then draws a random change of the whole batch (flip image, boxes and mask together)
    from a generator seeded by (seed, epoch, batch index): resumed mid-epoch, a run draws the same flips.
    `epoch(e, start)` yields the batches of epoch e from batch `start` on.

    In a data-parallel shard, `augment` sees the whole global batch and each process keeps its part, so the
    draws do not depend on the number of processes (each process converts the global batch, a cost paid for
    exactness); without `augment` a process gathers and converts only its own examples.
    """

    def __init__(
        self,
        *tensors: Tensor,
        batch_size: int,
        shuffle: bool = False,
        seed: int = 0,
        drop_last: bool = False,
        transform: Callable[[Tensor], Tensor] | None = None,
        batch_transform: Callable[[Batch], Batch] | None = None,
        augment: Callable[[Batch, torch.Generator], Batch] | None = None,
    ) -> None:
        if not tensors:
            raise ValueError("ArrayLoader needs at least one tensor")
        n = tensors[0].shape[0]
        if any(t.shape[0] != n for t in tensors):
            raise ValueError(f"tensors disagree in length: {[t.shape[0] for t in tensors]}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.tensors = tensors
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last
        self.transform = transform
        self.batch_transform = batch_transform
        self.augment = augment
        self.rank, self.world_size = 0, 1  # see `shard`
        self._epoch = 0

    carries_state = False  # batches are independent draws: no state runs from one to the next

    @property
    def num_examples(self) -> int:
        return self.tensors[0].shape[0]

    def __len__(self) -> int:
        n, b = self.num_examples, self.batch_size
        return n // b if self.drop_last else (n + b - 1) // b

    def order(self, epoch: int) -> Tensor:
        """Example indices for `epoch`: a permutation drawn from (seed, epoch) when shuffling, else 0..N-1."""
        if self.shuffle:
            return torch.randperm(self.num_examples, generator=epoch_generator(self.seed, epoch))
        return torch.arange(self.num_examples)

    def epoch(self, epoch: int, start: int = 0) -> Iterator[Batch]:
        """Yield the batches of `epoch`, skipping the first `start` (for a resumed run)."""
        idx = self.order(epoch)
        for i in range(start, len(self)):
            j = idx[i * self.batch_size : (i + 1) * self.batch_size]
            split = self.world_size > 1
            if split and len(j) < self.world_size:
                continue  # a last batch too small to give every process an example: skipped by all of them
            if split and self.augment is None:
                j = j.tensor_split(self.world_size)[self.rank]  # gather and convert only this process's part
            batch = tuple(t[j] for t in self.tensors)
            if self.transform is not None:
                batch = (self.transform(batch[0]), *batch[1:])
            if self.batch_transform is not None:
                batch = self.batch_transform(batch)
            if self.augment is not None:
                batch = self.augment(batch, batch_generator(self.seed, epoch, i))
                if split:
                    batch = tuple(t.tensor_split(self.world_size)[self.rank] for t in batch)
            yield batch

    def shard(self, rank: int, world_size: int) -> ArrayLoader:
        """A view that yields, of each global batch, the `rank`-th of `world_size` near-equal parts (book §13.5's
        `split_batch`): the processes of a data-parallel run together see exactly the batches one process would.
        Only the process's own examples are gathered and transformed."""
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} is not in a world of {world_size}")
        if self.batch_size < world_size:
            raise ConfigError(f"batch_size {self.batch_size} cannot be split across {world_size} processes")
        view = copy.copy(self)
        view.rank, view.world_size = rank, world_size
        return view

    def set_epoch(self, epoch: int) -> None:
        self._epoch = epoch

    def __iter__(self) -> Iterator[Batch]:
        return self.epoch(self._epoch)


class RowShard:
    """The `rank`-th of `world_size` near-equal row blocks (`tensor_split` on dim 0) of every batch of `loader`.

    For loaders that build whole batches (the language-model samplers): with sequential partitioning each row is
    one stream through the corpus, so a process keeps the same streams from batch to batch and its carried
    state stays valid. A batch with fewer rows than processes is skipped by all of them."""

    def __init__(self, loader: Loader, rank: int, world_size: int) -> None:
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} is not in a world of {world_size}")
        self.loader, self.rank, self.world_size = loader, rank, world_size
        self.carries_state = loader.carries_state

    def __len__(self) -> int:
        return len(self.loader)

    def epoch(self, epoch: int, start: int = 0) -> Iterator[Batch]:
        for batch in self.loader.epoch(epoch, start):
            if batch[0].shape[0] < self.world_size:
                continue
            yield tuple(t.tensor_split(self.world_size)[self.rank] for t in batch)

    def shard(self, rank: int, world_size: int) -> RowShard:
        raise ValueError("a RowShard is already one process's part; shard the loader it splits instead")


class BucketLoader(ArrayLoader):
    """Shuffled batches of examples of similar `lengths` (N,), so that little of each batch is padding.

    Each epoch: a (seed, epoch) permutation is cut into pools of `pool` batches; each pool is sorted by length and
    cut into batches; the full batches are shuffled (the short last one stays last). Deterministic, so resuming
    and `shard` work as for `ArrayLoader`. Pair it with a `batch_transform` that cuts the all-padding columns:
    sequences padded to 20 steps that hold 8 tokens on average then cost about half as much.
    """

    def __init__(self, *tensors: Tensor, lengths: Tensor, batch_size: int, pool: int = 50, seed: int = 0, **kw) -> None:
        super().__init__(*tensors, batch_size=batch_size, shuffle=True, seed=seed, **kw)
        if lengths.shape != (self.num_examples,):
            raise ValueError(f"lengths must have shape ({self.num_examples},), got {tuple(lengths.shape)}")
        if pool < 1:
            raise ValueError(f"pool must be >= 1 batch, got {pool}")
        self.lengths = lengths
        self.pool = pool

    def order(self, epoch: int) -> Tensor:
        g = epoch_generator(self.seed, epoch)
        idx = torch.randperm(self.num_examples, generator=g)
        pools = idx.split(self.pool * self.batch_size)
        idx = torch.cat([p[torch.argsort(self.lengths[p], stable=True)] for p in pools])
        full = self.num_examples // self.batch_size
        batches = idx[: full * self.batch_size].view(full, self.batch_size)
        return torch.cat([batches[torch.randperm(full, generator=g)].reshape(-1), idx[full * self.batch_size :]])
