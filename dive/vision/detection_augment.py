"""Augmenting a detection batch (book §14.1 for images, SSD's own recipe for boxes): image and boxes move together.

A flip or a crop that moved the pixels but not the boxes would train the detector on wrong targets, silently. So
each image goes through torchvision's transforms v2 with its boxes as `tv_tensors.BoundingBoxes`, which every v2
transform moves in step with the pixels. The pipeline is the one torchvision's SSD reference trains with
(references/detection/presets.py, "ssd"): zoom out onto a larger canvas (small objects), a random crop that keeps
at least one box centre and a minimum IoU with it (`RandomIoUCrop`, the SSD paper's sampler), a left-right flip,
then a resize back to the batch's size and `SanitizeBoundingBoxes`, which drops boxes left degenerate by the crop.

The loader seeds a generator by (seed, epoch, batch); v2 draws from the global RNG, so each batch runs v2 under a
forked RNG seeded from that generator: a resumed run augments exactly as the uninterrupted one did, and the
caller's global RNG is left as it was.
"""

from __future__ import annotations

import torch
from torch import Tensor

from dive.vision.augment import rng_from


class DetectionAugment:
    """augment(batch, generator) for `ArrayLoader`: batch (images (B, C, H, W), labels (B, G, 5), ...), labels
    rows (class, x1, y1, x2, y2) in relative corners, class -1 for padding; returns the same shapes, each image
    zoomed out / cropped / flipped with its boxes. Boxes a crop cuts away become padding rows."""

    def __init__(
        self, flip: float = 0.5, zoom_out: float = 0.5, max_zoom: float = 2.0, crop: bool = True, fill: float = 0.0
    ) -> None:
        from torchvision.transforms import v2

        if not (0.0 <= flip <= 1.0 and 0.0 <= zoom_out <= 1.0):
            raise ValueError(f"flip and zoom_out are probabilities in [0, 1], got {flip} and {zoom_out}")
        if max_zoom < 1.0:
            raise ValueError(f"max_zoom must be >= 1 (1 = no zoom out), got {max_zoom}")
        self.v2 = v2
        steps = [v2.RandomZoomOut(fill=fill, side_range=(1.0, max_zoom), p=zoom_out)] if max_zoom > 1 else []
        self.crop = v2.RandomIoUCrop() if crop else None
        self.before, self.flip = (v2.Compose(steps) if steps else None), v2.RandomHorizontalFlip(p=flip)
        self.sanitize = v2.SanitizeBoundingBoxes()

    def one(self, image: Tensor, rows: Tensor) -> tuple[Tensor, Tensor]:
        """image (C, H, W), rows (G, 5) -> the augmented image (C, H, W) and its real rows (G', 5), G' <= G."""
        from torchvision import tv_tensors

        v2 = self.v2
        h, w = image.shape[-2:]
        rows = rows[rows[:, 0] >= 0]
        scale = torch.tensor([w, h, w, h], dtype=torch.float32)
        sample = {
            "image": tv_tensors.Image(image),
            "boxes": tv_tensors.BoundingBoxes(rows[:, 1:].float() * scale, format="XYXY", canvas_size=(h, w)),
            "labels": rows[:, 0],
        }
        if self.before is not None:
            sample = self.before(sample)
        if self.crop is not None and len(rows):  # RandomIoUCrop needs a box to keep
            sample = self.crop(sample)
        sample = self.flip(v2.Resize((h, w), antialias=True)(sample))
        sample = self.sanitize(sample)
        boxes = sample["boxes"].as_subclass(Tensor) / scale
        return sample["image"].as_subclass(Tensor), torch.cat([sample["labels"][:, None].to(boxes), boxes], dim=1)

    def __call__(self, batch: tuple[Tensor, ...], generator: torch.Generator) -> tuple[Tensor, ...]:
        images, labels, *rest = batch
        out_images, out_labels = torch.empty_like(images), torch.full_like(labels, -1.0)
        with rng_from(generator):
            for i in range(images.shape[0]):
                img, rows = self.one(images[i], labels[i])
                out_images[i], out_labels[i, : len(rows)] = img, rows.to(labels.dtype)
        return (out_images, out_labels, *rest)
