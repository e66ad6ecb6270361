"""Object-detection data (book §14.6): photos with boxes, held as an `ImageSet` whose labels are the boxes.

labels: float Tensor[N, G, 5], one row (class, x1, y1, x2, y2) per box with the corners relative to the image
(fractions of its width and height), padded with rows of -1 to the largest box count G. Relative corners stay
right when the photo is resized, so each photo is resized once, when loaded, and its boxes need no change.
That is the layout `dive.vision.multibox_target` reads.

`load_voc_folder` reads any Pascal-VOC-style folder (images + one XML per image); `load_raccoon` is the real
raccoon set (200 photos, 217 boxes) in its authors' own 160/40 split by image.
"""

from __future__ import annotations

import csv
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import torch

from dive.core import DiveError
from dive.data.catalog import RACCOON
from dive.data.files import inside, locate
from dive.data.images import ImageSet, read_image
from dive.data.voc import read_voc


def box_labels(per_image: Sequence[Sequence[tuple[float, ...]]]) -> torch.Tensor:
    """Rows (class, x1, y1, x2, y2) per image -> Tensor[N, G, 5] padded with -1 rows to the largest count G."""
    g = max((len(rows) for rows in per_image), default=0)
    out = torch.full((len(per_image), max(g, 1), 5), -1.0)
    for i, rows in enumerate(per_image):
        if rows:
            out[i, : len(rows)] = torch.tensor(rows, dtype=torch.float32)
    return out


def load_voc_folder(
    images: Path, annotations: Path, stems: Sequence[str], classes: Sequence[str], size: tuple[int, int]
) -> ImageSet:
    """The photos `stems` (file names without extension) of a VOC-style folder, resized to `size` = (h, w).

    An annotation naming a class outside `classes` is an error; an image with no box is dropped, with a warning."""
    photos, rows_per_image = [], []
    for stem in stems:
        ann = read_voc(annotations / f"{stem}.xml")
        rows = []
        for obj in ann.objects:
            if obj.name not in classes:
                raise DiveError(f"{annotations / f'{stem}.xml'}: class {obj.name!r} is not one of {list(classes)}")
            x1, y1, x2, y2 = obj.box
            rows.append((classes.index(obj.name), x1 / ann.width, y1 / ann.height, x2 / ann.width, y2 / ann.height))
        if not rows:
            warnings.warn(f"{annotations / f'{stem}.xml'} has no box: image dropped", stacklevel=2)
            continue
        photo = read_image(inside(images, ann.filename))  # a <filename> of /etc/... or ../.. is refused
        if tuple(photo.shape[1:]) != (ann.height, ann.width):
            got = f"{photo.shape[2]}x{photo.shape[1]}"
            raise DiveError(f"{images / ann.filename} is {got}, its annotation says {ann.width}x{ann.height}")
        photos.append(photo)
        rows_per_image.append(rows)
    if not photos:
        raise DiveError(f"no annotated image among the {len(stems)} asked for in {annotations}")
    return ImageSet.from_images(photos, box_labels(rows_per_image), size)


def _split_stems(csv_path: Path) -> list[str]:
    with open(csv_path, newline="") as f:
        names = [row["filename"] for row in csv.DictReader(f)]
    return sorted(dict.fromkeys(Path(n).stem for n in names), key=lambda s: int(s.rsplit("-", 1)[-1]))


def load_raccoon(
    root: str | os.PathLike | None = None, size: tuple[int, int] = (256, 256)
) -> tuple[ImageSet, ImageSet]:
    """(train, valid): the raccoon photos in their authors' split (160 / 40 images, by image), resized to `size`."""
    d = locate(RACCOON, root)
    train = load_voc_folder(
        d / "images", d / "annotations", _split_stems(d / "data" / "train_labels.csv"), ["raccoon"], size
    )
    valid = load_voc_folder(
        d / "images", d / "annotations", _split_stems(d / "data" / "test_labels.csv"), ["raccoon"], size
    )
    return train, valid
