"""Semantic-segmentation data (book §14.9): photos with one class index per pixel, held as an `ImageSet`.

labels: uint8 Tensor[N, H, W], the class of each pixel, `IGNORE` (255) where a pixel has none (CamVid's
"unlabelled", VOC's object borders): the loss and the scores skip those pixels. Images are resized bilinearly,
labels by nearest neighbour (a class index must never be averaged).

- `load_camvid`: the CamVid frames (SegNet layout: {train,val,test}/ + {...}annot/ class-index PNGs, 11 classes,
  11 = unlabelled), the stand-in here for the book's Pascal VOC2012.
- `load_voc_segmentation`: the book's own VOC2012 layout (JPEGImages/, SegmentationClass/ palette PNGs,
  ImageSets/Segmentation/{train,val}.txt), colours mapped to the 21 classes (`VOC_COLORMAP`), images smaller than
  the crop dropped as the book's `filter` does, and the book's `voc_rand_crop`, drawn once per image at load time
  from a seed (the book redraws it each epoch).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import Tensor

from dive.core import DiveError
from dive.data.catalog import CAMVID
from dive.data.files import inside, locate
from dive.data.images import ImageSet, read_image

IGNORE = 255
CAMVID_CLASSES = ("sky", "building", "pole", "road", "pavement", "tree", "sign", "fence", "car", "pedestrian",
                  "bicyclist")  # fmt: skip
CAMVID_PALETTE = ((128, 128, 128), (128, 0, 0), (192, 192, 128), (128, 64, 128), (60, 40, 222), (128, 128, 0),
                  (192, 128, 128), (64, 64, 128), (64, 0, 128), (64, 64, 0), (0, 128, 192))  # fmt: skip
VOC_CLASSES = ("background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
               "diningtable", "dog", "horse", "motorbike", "person", "potted plant", "sheep", "sofa", "train",
               "tv/monitor")  # fmt: skip
VOC_COLORMAP = ((0, 0, 0), (128, 0, 0), (0, 128, 0), (128, 128, 0), (0, 0, 128), (128, 0, 128), (0, 128, 128),
                (128, 128, 128), (64, 0, 0), (192, 0, 0), (64, 128, 0), (192, 128, 0), (64, 0, 128), (192, 0, 128),
                (64, 128, 128), (192, 128, 128), (0, 64, 0), (128, 64, 0), (0, 192, 0), (128, 192, 0),
                (0, 64, 128))  # fmt: skip
VOC_VOID = (224, 224, 192)  # object borders: ignored


def read_label_png(path: Path) -> Tensor:
    """A label PNG as it is stored: uint8 (H, W) for an index or palette PNG, (H, W, 3) for an RGB one."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    if not path.is_file():
        raise DiveError(f"no label image at {path}")
    try:
        with Image.open(path) as img:
            arr = np.asarray(img if img.mode in ("L", "P") else img.convert("RGB"))
    except (UnidentifiedImageError, OSError):
        raise DiveError(f"{path} is not an image Pillow can read") from None
    return torch.from_numpy(arr.copy())


def colors_to_classes(rgb: Tensor, colormap: Sequence[tuple[int, int, int]], path: Path | str = "label") -> Tensor:
    """RGB label (H, W, 3) -> class indices (H, W) uint8 by `colormap` (the book's `voc_label_indices`); VOC's
    border colour -> IGNORE; any other colour is an error naming it."""
    code = (rgb[..., 0].long() * 256 + rgb[..., 1].long()) * 256 + rgb[..., 2].long()
    lut = torch.full((256**3,), -1, dtype=torch.long)
    for i, (r, g, b) in enumerate(colormap):
        lut[(r * 256 + g) * 256 + b] = i
    lut[(VOC_VOID[0] * 256 + VOC_VOID[1]) * 256 + VOC_VOID[2]] = IGNORE
    out = lut[code]
    if (out < 0).any():
        bad = code[out < 0][0].item()
        raise DiveError(f"{path}: colour {(bad // 65536, bad // 256 % 256, bad % 256)} is not a class colour")
    return out.to(torch.uint8)


def _resize_pair(images: list[Tensor], labels: list[Tensor], size: tuple[int, int] | None) -> ImageSet:
    import torch.nn.functional as F

    X, Y = torch.stack(images), torch.stack(labels)
    if size is not None and tuple(X.shape[-2:]) != tuple(size):
        X = F.interpolate(X.float(), size=size, mode="bilinear", antialias=True).round().clamp(0, 255).to(torch.uint8)
        Y = F.interpolate(Y[:, None].float(), size=size, mode="nearest")[:, 0].to(torch.uint8)
    return ImageSet(X, Y)


def load_camvid_split(d: Path, split: str, size: tuple[int, int] | None = None) -> ImageSet:
    """One CamVid split (train, val or test) from its list file, labels with 11 (unlabelled) -> IGNORE."""
    listing = d / f"{split}.txt"
    if not listing.is_file():
        raise DiveError(f"no {listing}: a CamVid folder holds train.txt, val.txt and test.txt")
    images, labels = [], []
    for line in listing.read_text().split("\n"):
        if not line.strip():
            continue
        img_rel, ann_rel = (p.split("/CamVid/", 1)[-1] for p in line.split())
        image, label = read_image(inside(d, img_rel)), read_label_png(inside(d, ann_rel))
        if label.dim() != 2:
            raise DiveError(f"{d / ann_rel}: a CamVid label is one class index per pixel, got an RGB image")
        if tuple(label.shape) != tuple(image.shape[1:]):
            raise DiveError(f"{d / ann_rel} is {tuple(label.shape)}, its frame {tuple(image.shape[1:])}")
        if int(label.max()) > len(CAMVID_CLASSES):
            raise DiveError(f"{d / ann_rel}: class index {int(label.max())} (CamVid has 0-10, 11 = unlabelled)")
        label = torch.where(label == len(CAMVID_CLASSES), IGNORE, label)
        images.append(image)
        labels.append(label)
    if not images:
        raise DiveError(f"{listing} lists no frames")
    return _resize_pair(images, labels, size)


def load_camvid(root: str | os.PathLike | None = None, size: tuple[int, int] | None = None):
    """(train, val, test) CamVid sets (74 / 21 / 47 frames of 360 x 480 here), resized to `size` = (h, w)."""
    d = locate(CAMVID, root)
    return tuple(load_camvid_split(d, s, size) for s in ("train", "val", "test"))


def voc_rand_crop(image: Tensor, label: Tensor, height: int, width: int, generator: torch.Generator):
    """The book's `voc_rand_crop`: the same random (height, width) window of an image (3, H, W) and its label (H, W)."""
    H, W = label.shape
    top = int(torch.randint(0, H - height + 1, (1,), generator=generator))
    left = int(torch.randint(0, W - width + 1, (1,), generator=generator))
    return image[:, top : top + height, left : left + width], label[top : top + height, left : left + width]


def load_voc_segmentation(
    root: str | os.PathLike, split: str = "train", crop: tuple[int, int] = (320, 480), seed: int = 0
) -> ImageSet:
    """The book's VOC2012 segmentation split (its `VOCSegDataset`): crops of `crop` = (h, w), smaller images dropped."""
    d = Path(root)
    listing = d / "ImageSets" / "Segmentation" / f"{split}.txt"
    if not listing.is_file():
        raise DiveError(f"no {listing}: not a VOC2012 folder (JPEGImages/, SegmentationClass/, ImageSets/)")
    g = torch.Generator().manual_seed(seed)
    images, labels = [], []
    for stem in listing.read_text().split():
        png = inside(d, f"SegmentationClass/{stem}.png")
        image, raw = read_image(inside(d, f"JPEGImages/{stem}.jpg")), read_label_png(png)
        label = raw if raw.dim() == 2 else colors_to_classes(raw, VOC_COLORMAP, png)
        known = label[label != IGNORE]
        if known.numel() and int(known.max()) >= len(VOC_CLASSES):
            raise DiveError(f"{stem}.png: class index {int(known.max())} (VOC has 0-{len(VOC_CLASSES) - 1})")
        if image.shape[1] < crop[0] or image.shape[2] < crop[1]:
            continue  # the book's filter: too small to crop
        image, label = voc_rand_crop(image, label, *crop, generator=g)
        images.append(image)
        labels.append(label)
    if not images:
        raise DiveError(f"no image in {listing} is at least {crop[0]}x{crop[1]}")
    return ImageSet(torch.stack(images), torch.stack(labels))


def fake_segmentation_sets(seed: int, size: tuple[int, int]) -> tuple[ImageSet, ImageSet, ImageSet]:
    """Stand-ins of `load_camvid`'s shapes for tests: noise frames whose top third is class 0 (bright), the rest
    class 3 (dark), a patch ignored; (train, valid, test) of 12, 4 and 6 frames."""
    g = torch.Generator().manual_seed(seed)

    def make(n):
        h, w = size
        X = torch.randint(0, 80, (n, 3, h, w), generator=g, dtype=torch.uint8)
        X[:, :, : h // 3] += 150
        Y = torch.full((n, h, w), 3, dtype=torch.uint8)
        Y[:, : h // 3] = 0
        Y[:, -4:, -4:] = IGNORE
        return ImageSet(X, Y)

    return make(12), make(4), make(6)
