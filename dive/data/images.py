"""The one image-data layer: labelled images held in memory as uint8, served as whole float batches.

The book reads images one at a time (PIL, `ToTensor`, a `DataLoader` with workers). Here a dataset's images are
one uint8 tensor (N, C, H, W) (or (N, H, W) for grey images), a quarter of the float bytes; a batch is gathered
with one index operation and `ImageBatch` turns it into floats on the whole batch: scale to [0, 1] (what
`ToTensor` gives), resize (square or not), normalise per channel. Every image dataset in dive (Fashion-MNIST,
CIFAR-10, the detection and segmentation photos of chapter 14) is an `ImageSet`; photos of many sizes are resized
once, when loaded (`ImageSet.from_images`).

Random augmentation (`augment` in `image_loaders`) sees the whole float batch and a generator drawn from
(seed, epoch, batch), never the global RNG: a resumed run flips exactly the images the uninterrupted one did.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import torch
import torch.nn.functional as F
from torch import Tensor

from dive.core import DiveError
from dive.data.loader import ArrayLoader, Batch


@dataclass(frozen=True)
class ImageSet:
    """Images uint8 (N, H, W) or (N, C, H, W) and labels (N, ...): class ids (N,) or any per-image target."""

    images: Tensor
    labels: Tensor

    def __post_init__(self) -> None:
        if self.images.dtype != torch.uint8 or self.images.dim() not in (3, 4):
            got = f"{self.images.dtype} {tuple(self.images.shape)}"
            raise DiveError(f"ImageSet holds uint8 (N, H, W) or (N, C, H, W), got {got}")
        if self.labels.shape[0] != self.images.shape[0]:
            raise DiveError(f"{self.images.shape[0]} images but {self.labels.shape[0]} labels")

    def __len__(self) -> int:
        return self.labels.shape[0]

    @property
    def channels(self) -> int:
        return 1 if self.images.dim() == 3 else self.images.shape[1]

    @classmethod
    def from_images(cls, images: Sequence[Tensor], labels: Tensor, size: tuple[int, int]) -> ImageSet:
        """Images of any sizes, uint8 (C, H_i, W_i) each, resized once to `size` = (h, w) and stacked."""
        if not images:
            raise DiveError("ImageSet.from_images needs at least one image")
        out = torch.empty(len(images), images[0].shape[0], *size, dtype=torch.uint8)
        for i, img in enumerate(images):
            x = img[None].float()
            if tuple(img.shape[-2:]) != tuple(size):
                x = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=True)
            out[i] = x.round_().clamp_(0, 255)[0].to(torch.uint8)
        return cls(out, labels)


# ImageNet's per-channel mean and std: how torchvision's pretrained models (and the book's fine-tuning) normalise
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
# the most pixels an image may declare: 40 megapixels decode to 120 MB of uint8 (a 20000 x 20000 bomb: 1.2 GB)
MAX_PIXELS = 40_000_000


def read_image(path: str | os.PathLike, max_pixels: int | None = MAX_PIXELS) -> Tensor:
    """A photo file as uint8 (3, H, W), RGB; greyscale, palette and RGBA files are converted, not refused.

    Decoded by Pillow (JPEG, PNG, GIF, WebP, BMP, TIFF, ...). Not torchvision's `decode_image`: torchvision 0.29
    deprecates it, and it crashes the process (SIGSEGV) on a PNG whose header promises more rows than the file
    holds, where Pillow raises. Pillow gives the same pixels at 1.1-1.3x the time per image (CamVid frames 2.97 vs
    2.60 ms, raccoon JPEGs 1.62 vs 1.27 ms), and `import PIL` costs 0.05 s against torchvision's 1.1 s.
    One clear error for a missing, damaged or non-image file. `max_pixels`: refuse, from the header and before
    decoding, an image that declares more pixels (a 400-byte PNG can declare 20000 x 20000)."""

    path = Path(path)
    if not path.is_file():
        raise DiveError(f"no image at {path}")
    return decode_image(path, str(path), max_pixels)


def decode_image(source: str | os.PathLike | BinaryIO, name: str, max_pixels: int | None = MAX_PIXELS) -> Tensor:
    """`read_image` for a file or an open binary stream (an archive's member); `name` is what errors call it."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    path = name
    unreadable = f"{path} is not an image dive can read (JPEG, PNG, GIF, WebP, BMP, TIFF, ...), or it is damaged"
    try:
        with warnings.catch_warnings(), Image.open(source) as img:  # the header is read here, the pixels below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            w, h = img.size
            if max_pixels is not None and w * h > max_pixels:
                raise DiveError(f"{path} declares {w} x {h} pixels, over the {max_pixels:,} dive reads")
            rgb = np.asarray(img.convert("RGB"))
    except Image.DecompressionBombError:
        raise DiveError(f"{path} declares more pixels than Pillow decodes, and more than {max_pixels or 0:,}") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise DiveError(unreadable) from None
    return torch.from_numpy(rgb.copy()).permute(2, 0, 1).contiguous()


class ImageBatch:
    """uint8 images (B, H, W) or (B, C, H, W) -> float (B, C, h, w) in [0, 1], optionally resized and normalised.

    `resize`: an int (square) or (h, w). `mean`/`std`: one number, or one per channel (ImageNet's
    (0.485, 0.456, 0.406) / (0.229, 0.224, 0.225) for pretrained torchvision models). `device` (e.g. cuda): move
    the uint8 batch there first and convert and resize there: a 28x28 uint8 batch is a 1/4 of the float bytes and
    1/64 of a 224x224 float batch, and the GPU interpolates faster than the CPU."""

    def __init__(
        self,
        resize: int | tuple[int, int] | None = None,
        mean: float | Sequence[float] | None = None,
        std: float | Sequence[float] | None = None,
        channels_last: bool = False,
        device: torch.device | str | None = None,
    ) -> None:
        self.resize = (resize, resize) if isinstance(resize, int) else tuple(resize) if resize is not None else None
        self.mean = _per_channel(mean)
        self.std = _per_channel(std)
        self.channels_last = channels_last
        self.device = torch.device(device) if device is not None else None

    def __call__(self, x: Tensor) -> Tensor:
        if self.device is not None:
            x = x.to(self.device, non_blocking=True)
        if x.dim() == 3:
            x = x.unsqueeze(1)  # (B, 1, H, W)
        x = x.float().div_(255.0)
        if self.resize is not None and tuple(x.shape[-2:]) != self.resize:
            x = F.interpolate(x, size=self.resize, mode="bilinear", align_corners=False)
        if self.mean is not None:
            x = x.sub_(self.mean.to(x.device)).div_(self.std.to(x.device) if self.std is not None else 1.0)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x


def _per_channel(v: float | Sequence[float] | None) -> Tensor | None:
    """A number or one per channel, as a (1, C, 1, 1) tensor that broadcasts over a batch (C = 1 for a number)."""
    if v is None:
        return None
    t = torch.as_tensor(v, dtype=torch.float32).reshape(-1)
    return t.view(1, -1, 1, 1)


def image_loaders(
    train: ImageSet,
    test: ImageSet,
    batch_size: int,
    *,
    resize: int | tuple[int, int] | None = None,
    seed: int = 0,
    transform: ImageBatch | None = None,
    augment: Callable[[Batch, torch.Generator], Batch] | None = None,
    eval_batch_size: int | None = None,
) -> tuple[ArrayLoader, ArrayLoader]:
    """Shuffled train loader and ordered test loader over in-memory image sets.

    `augment(batch, generator)` (training only) gets each converted batch (images, labels) and a generator seeded
    from (seed, epoch, batch index), e.g. `dive.vision.flip_batch`. `eval_batch_size` (default `batch_size`):
    the test loader's batches; the accuracy does not depend on it, and for small images larger batches spend less
    of the evaluation on per-operator overhead."""
    tf = transform or ImageBatch(resize=resize)
    train_loader = ArrayLoader(
        train.images, train.labels, batch_size=batch_size, shuffle=True, seed=seed, transform=tf, augment=augment
    )
    test_loader = ArrayLoader(
        test.images, test.labels, batch_size=eval_batch_size or batch_size, shuffle=False, transform=tf
    )
    return train_loader, test_loader
