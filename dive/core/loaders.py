"""What the training loop needs of a data loader, written down once (`Loader`), so that `Trainer`, the
data-parallel helpers and the callbacks rely on it instead of probing with `hasattr`.

A loader is not an iterator of batches but a function of the epoch: `epoch(e, start)` yields the batches of
epoch e from batch `start` on, their order fixed by (seed, e). That makes a resumed run see exactly the batches it
would have seen, and lets `shard(rank, world_size)` hand each process its part of the same global batches.
Every loader in `dive.data` implements it; `as_loader` wraps anything else that iterates batches (a torch
`DataLoader`, a list), with the weaker guarantees such an iterable gives.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized
from itertools import islice
from typing import Any, Protocol, runtime_checkable

from torch import Tensor

from dive.core.errors import DiveError

Batch = tuple[Tensor, ...]


@runtime_checkable
class Loader(Protocol):
    """Batches of one epoch at a time. `carries_state`: consecutive batches continue each other (sequential
    partitioning), so a sequence model's state may be carried from one to the next."""

    carries_state: bool

    def __len__(self) -> int:
        """Batches per epoch (0 when unknown)."""
        ...

    def epoch(self, epoch: int, start: int = 0) -> Iterator[Batch]:
        """The batches of `epoch` from batch `start` on; the same for the same (seed, epoch)."""
        ...

    def shard(self, rank: int, world_size: int) -> Loader:
        """This process's part of every global batch, in a data-parallel run of `world_size` processes."""
        ...


class IterableLoader:
    """`Loader` over any iterable of batches (a `DataLoader`, a list): epoch e re-iterates it (calling its
    sampler's `set_epoch(e)` when it has one, as torch's `DistributedSampler` needs) and skips `start` batches."""

    carries_state = False

    def __init__(self, batches: Iterable[Batch]) -> None:
        self.batches = batches

    def __len__(self) -> int:
        return len(self.batches) if isinstance(self.batches, Sized) else 0

    def epoch(self, epoch: int, start: int = 0) -> Iterator[Batch]:
        sampler = getattr(self.batches, "sampler", None)  # the one probe, confined to foreign iterables
        if hasattr(sampler, "set_epoch"):
            sampler.set_epoch(epoch)
        return islice(iter(self.batches), start, None)

    def shard(self, rank: int, world_size: int) -> Loader:
        raise DiveError(
            f"{type(self.batches).__name__} cannot be split across processes; use an ArrayLoader, or give the "
            "DataLoader a DistributedSampler and run it in one process per rank yourself"
        )


def as_loader(batches: Any) -> Loader:
    """`batches` itself when it is a `Loader`, else an `IterableLoader` over it."""
    return batches if isinstance(batches, Loader) else IterableLoader(batches)
