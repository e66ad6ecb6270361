"""Inference for image classifiers (Fashion-MNIST's chapters 4-8, CIFAR-10 and hot dogs of chapter 14).

An input is an image file (any size, colour or greyscale) or an image tensor, uint8 (C, H, W) or (H, W). It is
brought to the dataset's own form first (channels, then `size` with antialiasing, as the run's data was stored),
then through the same `ImageBatch` the run used (its resize and normalisation), so an image of the dataset gives
exactly the run's prediction.

The run's metadata (`image_meta`): class names, channels, stored size, the batch resize, mean and std.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from dive.core import DiveError
from dive.data import ImageBatch, read_image
from dive.data.images import MAX_PIXELS
from dive.recipes.parts import Prediction, Predictor, Trained


def image_meta(classes: Sequence[str], channels: int, size: tuple[int, int], resize: Any = None, mean: Any = None,
               std: Any = None) -> dict[str, Any]:  # fmt: skip
    """What a classifier's predictor needs of its data: JSON-ready."""
    as_list = lambda v: list(v) if isinstance(v, (tuple, list)) else v  # noqa: E731
    return {"classes": list(classes), "channels": channels, "size": list(size), "resize": as_list(resize),
            "mean": as_list(mean), "std": as_list(std)}  # fmt: skip


def meta_batch(meta: dict[str, Any]) -> ImageBatch:
    """The run's own batch transform (its resize and normalisation), from its metadata."""
    return ImageBatch(resize=meta.get("resize"), mean=meta.get("mean"), std=meta.get("std"))


def as_image(x: Any) -> Tensor:
    """A file path (read by Pillow, refused past MAX_PIXELS from its header) or an image tensor, (C, H, W) or (H, W),
    uint8 or float in [0, 1] -> uint8 (C, H, W)."""
    if isinstance(x, (str, Path)):
        return read_image(x)  # uint8 (3, H, W)
    if not isinstance(x, Tensor):
        raise DiveError(f"an image is a file path or a tensor, got {type(x).__name__}")
    image = x if x.dim() == 3 else x.unsqueeze(0)
    if image.dim() != 3:
        raise DiveError(f"an image tensor is (C, H, W) or (H, W), got shape {tuple(x.shape)}")
    if image.shape[-1] * image.shape[-2] > MAX_PIXELS:
        raise DiveError(
            f"the image has {image.shape[-1]} x {image.shape[-2]} pixels, over the {MAX_PIXELS:,} read here"
        )
    return image if image.dtype == torch.uint8 else (image.float().clamp(0, 1) * 255).round().to(torch.uint8)


def as_stored_image(x: Any, channels: int, size: Sequence[int]) -> Tensor:
    """A file path or an image tensor -> uint8 (channels, *size), as the dataset stores its images."""
    image = as_image(x)
    if image.shape[0] == 3 and channels == 1:  # ITU-R 601 luma, as Pillow's convert("L")
        weights = torch.tensor([0.299, 0.587, 0.114]).view(3, 1, 1)
        image = (image.float() * weights).sum(0, keepdim=True).round().clamp(0, 255).to(torch.uint8)
    elif image.shape[0] == 1 and channels == 3:
        image = image.expand(3, -1, -1)
    if image.shape[0] != channels:
        raise DiveError(f"the model reads {channels}-channel images, got {image.shape[0]} channels")
    if tuple(image.shape[-2:]) != tuple(size):
        resized = F.interpolate(image[None].float(), size=tuple(size), mode="bilinear", antialias=True)
        image = resized[0].round().clamp(0, 255).to(torch.uint8)
    return image.contiguous()


@torch.inference_mode()
def classify_images(trained: Trained, inputs: list[Any], top: int = 1) -> Prediction:
    """Each image's most likely classes and their probabilities."""
    meta = trained.meta
    if not inputs:
        raise DiveError("give one or more images to classify")
    if top < 1:
        raise DiveError(f"--top must be >= 1, got {top}")
    images = torch.stack([as_stored_image(x, meta["channels"], meta["size"]) for x in inputs])
    X = meta_batch(meta)(images)
    device = next(trained.model.parameters()).device
    probs = F.softmax(trained.model(X.to(device)).float(), dim=1).cpu()
    classes = meta["classes"]
    p, idx = probs.topk(min(top, len(classes)), dim=1)
    values, lines = [], []
    for x, ps, ks in zip(inputs, p.tolist(), idx.tolist()):
        ranked = [(classes[k], q) for k, q in zip(ks, ps)]
        values.append(ranked[0][0] if top == 1 else ranked)
        name = Path(x).name if isinstance(x, (str, Path)) else "image"
        lines.append(f"{name}: " + ", ".join(f"{c} ({q:.3f})" for c, q in ranked))
    return Prediction.of(lines, values)


def example_image(trained: Trained) -> list[Tensor]:
    """A stand-in image of the dataset's form (a bright square on black)."""
    c, (h, w) = trained.meta["channels"], trained.meta["size"]
    image = torch.zeros(c, h, w, dtype=torch.uint8)
    image[:, h // 4 : 3 * h // 4, w // 4 : 3 * w // 4] = 200
    return [image]


def image_export_input(trained: Trained) -> tuple[Tensor]:
    """The example image as the network reads it: float (1, C, h, w), resized and normalised."""
    return (meta_batch(trained.meta)(example_image(trained)[0][None]),)


IMAGE_CLASSIFIER = Predictor(
    kind="image-class",
    run=classify_images,
    inputs="IMAGE...: image files or (C, H, W) tensors, any size; brought to the dataset's channels and size",
    options={"top": 1},
    example=example_image,
)
