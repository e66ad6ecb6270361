"""Fashion-MNIST (book §4.2): the idx files parsed into memory, served as whole batches.

The book wraps torchvision's per-sample dataset in `ToTensor` and a `DataLoader` with workers. Here the 60000 train
and 10000 test images stay as one uint8 tensor each (N, 28, 28) and `ImageBatch` turns a batch into floats in [0, 1]
(the scale `ToTensor` gives), shaped (B, 1, H, W), with optional resize and normalisation done on the batch.
"""

from __future__ import annotations

import functools
import gzip
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

from dive.core import DiveError
from dive.data.catalog import FASHION_MNIST
from dive.data.files import locate
from dive.data.loader import ArrayLoader

TEXT_LABELS = (
    "t-shirt",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle boot",
)

_MAGIC = {2049: 1, 2051: 3}  # idx magic numbers of uint8 label (1-D) and image (3-D) files


def text_labels(labels: Tensor | list[int]) -> list[str]:
    """Class indices -> the book's text labels."""
    return [TEXT_LABELS[int(i)] for i in labels]


def read_idx(path: str | os.PathLike) -> Tensor:
    """Parse a (gzipped) idx file of unsigned bytes; checks the magic number and that the payload size matches."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise DiveError(f"{path}: too short to be an idx file ({len(data)} bytes)")
    magic = struct.unpack(">I", data[:4])[0]
    if magic not in _MAGIC:
        raise DiveError(f"{path}: bad idx magic number {magic:#010x} (expected 0x00000801 or 0x00000803)")
    ndim = _MAGIC[magic]
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    offset = 4 + 4 * ndim
    expected = 1
    for s in shape:
        expected *= s
    if len(data) - offset != expected:
        raise DiveError(f"{path}: header says {shape} = {expected} bytes, file holds {len(data) - offset}")
    return torch.frombuffer(bytearray(data[offset:]), dtype=torch.uint8).reshape(shape)


@dataclass(frozen=True)
class ImageSet:
    """Images uint8 (N, H, W) and labels int64 (N,)."""

    images: Tensor
    labels: Tensor

    def __len__(self) -> int:
        return self.labels.shape[0]


@functools.lru_cache(maxsize=4)
def _load(directory: str) -> tuple[ImageSet, ImageSet]:
    d = Path(directory)
    sets = []
    for prefix, n in (("train", 60000), ("t10k", 10000)):
        images = read_idx(d / f"{prefix}-images-idx3-ubyte.gz")
        labels = read_idx(d / f"{prefix}-labels-idx1-ubyte.gz").long()
        if images.shape != (n, 28, 28) or labels.shape != (n,):
            raise DiveError(f"{d}: {prefix} set has shape {tuple(images.shape)}, {tuple(labels.shape)}")
        sets.append(ImageSet(images, labels))
    return sets[0], sets[1]


def load_fashion_mnist(root: str | os.PathLike | None = None) -> tuple[ImageSet, ImageSet]:
    """(train, test) Fashion-MNIST, located and hash-checked (see `dive.data.files.locate`)."""
    return _load(str(locate(FASHION_MNIST, root)))


class ImageBatch:
    """uint8 images (B, H, W) or (B, C, H, W) -> float (B, C, h, w) in [0, 1], optionally resized and normalised.

    `device` (e.g. cuda): move the uint8 batch there first and convert and resize there. A 28x28 uint8 batch is
    a 1/4 of the float bytes and 1/64 of a 224x224 float batch, and the GPU interpolates faster than the CPU."""

    def __init__(
        self,
        resize: int | None = None,
        mean: float | None = None,
        std: float | None = None,
        channels_last: bool = False,
        device: torch.device | str | None = None,
    ) -> None:
        self.resize = resize
        self.mean = mean
        self.std = std
        self.channels_last = channels_last
        self.device = torch.device(device) if device is not None else None

    def __call__(self, x: Tensor) -> Tensor:
        if self.device is not None:
            x = x.to(self.device, non_blocking=True)
        if x.dim() == 3:
            x = x.unsqueeze(1)  # (B, 1, H, W)
        x = x.float().div_(255.0)
        if self.resize is not None and x.shape[-1] != self.resize:
            x = F.interpolate(x, size=(self.resize, self.resize), mode="bilinear", align_corners=False)
        if self.mean is not None:
            x = x.sub_(self.mean).div_(self.std or 1.0)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x


def image_loaders(
    train: ImageSet,
    test: ImageSet,
    batch_size: int,
    *,
    resize: int | None = None,
    seed: int = 0,
    transform: ImageBatch | None = None,
) -> tuple[ArrayLoader, ArrayLoader]:
    """Shuffled train loader and ordered test loader over in-memory image sets."""
    tf = transform or ImageBatch(resize=resize)
    train_loader = ArrayLoader(train.images, train.labels, batch_size=batch_size, shuffle=True, seed=seed, transform=tf)
    test_loader = ArrayLoader(test.images, test.labels, batch_size=batch_size, shuffle=False, transform=tf)
    return train_loader, test_loader
