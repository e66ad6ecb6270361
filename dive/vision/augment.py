"""Random image augmentation on whole batches (book §14.1), drawn from an explicit generator.

As torchvision's transforms v2 do, a random transform first draws its parameters, then applies one deterministic
function; here the parameters come from a `torch.Generator` the loader seeds by (seed, epoch, batch), never from
the global RNG, so a run resumed mid-epoch augments exactly as the uninterrupted run did.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import Tensor


@contextlib.contextmanager
def rng_from(generator: torch.Generator) -> Iterator[None]:
    """Run a block that draws from the global RNG (as transforms v2 do) with it seeded from `generator`, and
    put the global RNG back afterwards: the block's draws are reproducible, the caller's are untouched."""
    seed = int(torch.randint(0, 2**62, (1,), generator=generator))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def hflip_mask(n: int, generator: torch.Generator, p: float = 0.5) -> Tensor:
    """Which of `n` examples to flip: bool (n,), each True with probability `p`."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"flip probability must be in [0, 1], got {p}")
    return torch.rand(n, generator=generator) < p


def hflip_where(images: Tensor, mask: Tensor) -> Tensor:
    """Images (B, C, H, W) with those where `mask` (B,) is True mirrored left to right."""
    return torch.where(mask.to(images.device).view(-1, *[1] * (images.dim() - 1)), images.flip(-1), images)


def flip_batch(batch: tuple[Tensor, ...], generator: torch.Generator, p: float = 0.5) -> tuple[Tensor, ...]:
    """A classification batch (images (B, C, H, W), labels, ...) with each image flipped left-right with
    probability `p`: the `augment` of `dive.data.image_loaders` (labels do not change under a mirror)."""
    images, *rest = batch
    return (hflip_where(images, hflip_mask(images.shape[0], generator, p)), *rest)
