"""The book's image augmentations (§14.1.1) as torchvision transforms v2, applied to uint8 batches.

Augmentation makes a training set look larger: random changes a label does not care about (a mirror, a crop, a
colour shift) keep a model from leaning on where or how bright an object happens to be, so it generalises better.
v2 transforms take uint8 tensors (C, H, W) directly (no PIL, no `ToTensor`); given a whole batch (B, C, H, W) one
draw would change every image alike, so `augment_each` gives each image its own draw, from the global RNG seeded
by the loader's (seed, epoch, batch) generator (`rng_from`): a resumed run sees the same augmented images.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from dive.vision.augment import rng_from


def _v2():
    from torchvision.transforms import v2

    return v2


def _shape(v2):
    return v2.RandomResizedCrop((200, 200), scale=(0.1, 1), ratio=(0.5, 2), antialias=True)


def _color(v2):
    return v2.ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.5)


# name -> (the book's description, a builder of the v2 transform); the book's parameters
BOOK_AUGMENTATIONS: dict[str, tuple[str, Callable]] = {
    "flip-lr": ("RandomHorizontalFlip", lambda v2: v2.RandomHorizontalFlip()),
    "flip-ud": ("RandomVerticalFlip", lambda v2: v2.RandomVerticalFlip()),
    "crop": ("RandomResizedCrop(200, scale=(0.1, 1), ratio=(0.5, 2))", _shape),
    "brightness": ("ColorJitter(brightness=0.5)", lambda v2: v2.ColorJitter(brightness=0.5)),
    "hue": ("ColorJitter(hue=0.5)", lambda v2: v2.ColorJitter(hue=0.5)),
    "color": ("ColorJitter(brightness, contrast, saturation, hue = 0.5)", _color),
    "all": (
        "flip-lr, then color, then crop",
        lambda v2: v2.Compose([v2.RandomHorizontalFlip(), _color(v2), _shape(v2)]),
    ),
}


def book_augmentation(name: str) -> Callable[[Tensor], Tensor]:
    """The v2 transform of one of BOOK_AUGMENTATIONS; ValueError naming the choices for another name."""
    if name not in BOOK_AUGMENTATIONS:
        raise ValueError(f"unknown augmentation {name!r}; choose from {', '.join(BOOK_AUGMENTATIONS)}")
    return BOOK_AUGMENTATIONS[name][1](_v2())


def augment_each(transform: Callable[[Tensor], Tensor], images: Tensor, generator: torch.Generator) -> Tensor:
    """uint8 images (B, C, H, W) -> (B, C, h, w): `transform` drawn afresh for each image (every output the same
    size, as a crop to a fixed size or a size-keeping transform gives)."""
    with rng_from(generator):
        return torch.stack([transform(img) for img in images])


class BatchAugment:
    """augment(batch, generator) for `ArrayLoader`: each image of (images, labels, ...) through `transform`, then
    the whole batch through `then` (e.g. an `ImageBatch` that normalises): the loader converts batches before it
    augments them, and these transforms want the uint8 images, so the conversion comes here instead."""

    def __init__(self, transform: Callable[[Tensor], Tensor], then: Callable[[Tensor], Tensor] | None = None) -> None:
        self.transform, self.then = transform, then

    def __call__(self, batch: tuple[Tensor, ...], generator: torch.Generator) -> tuple[Tensor, ...]:
        images, *rest = batch
        images = augment_each(self.transform, images, generator)
        return (images if self.then is None else self.then(images), *rest)


def cifar_augment(size: int = 32, then: Callable[[Tensor], Tensor] | None = None) -> BatchAugment:
    """The book's CIFAR-10 training augmentation (§14.13.2): resize to 40, a random square crop of 64-100% of the
    area back to 32, a left-right flip; each image its own draw; then `then` on the batch."""
    v2 = _v2()
    return BatchAugment(v2.Compose([
        v2.Resize(size + size // 4, antialias=True),
        v2.RandomResizedCrop(size, scale=(0.64, 1.0), ratio=(1.0, 1.0), antialias=True),
        v2.RandomHorizontalFlip(),
    ]), then)  # fmt: skip
