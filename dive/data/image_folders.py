"""Labelled photo folders (book §14.13-14.14): Kaggle's CIFAR-10 layout and any folder-per-class image set.

The book copies every training image into class folders (`reorg_train_valid`) before reading them with
`ImageFolder`. Here nothing is copied: the label file or the folder names are indexed, each image is decoded once
into a uint8 `ImageSet`, and the validation split is drawn by class from a seed, the book's way: of each class,
max(1, floor(n_min * valid_ratio)) images go to validation, n_min being the smallest class's count.

- `load_kaggle_cifar10(root)`: train/ (PNG named by id), trainLabels.csv (id,label), test/ (PNG by id, unlabelled).
- `load_class_folders(root)`: root/CLASS/*.{png,jpg,...} (torchvision's `ImageFolder` layout, e.g. ImageNet Dogs).
- `load_image_folder(path)`: that layout as a folder or inside a zip archive (the book's pokemon.zip, §20.2, read
  in place: 40,000 small files need not be unpacked).
"""

from __future__ import annotations

import csv
import math
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from dive.core import DiveError
from dive.data.catalog import KAGGLE_CIFAR10_TINY, POKEMON
from dive.data.files import inside, locate
from dive.data.images import ImageSet, decode_image, read_image

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")


@dataclass
class LabelledImages:
    """A labelled set with its class names, and (Kaggle) the unlabelled test images with their ids."""

    train: ImageSet  # labels int64 (N,), indices into classes
    classes: list[str]
    test: ImageSet | None = None  # labels: the Kaggle ids, int64
    test_ids: list[int] | None = None


def _stack(paths: Sequence[Path], labels: Sequence[int], size: tuple[int, int] | None) -> ImageSet:
    images = [read_image(p) for p in paths]
    y = torch.tensor(list(labels), dtype=torch.long)
    if size is None:
        shapes = {tuple(img.shape) for img in images}
        if len(shapes) > 1:
            raise DiveError(f"images of {len(shapes)} different sizes; give a size to resize them to")
        return ImageSet(torch.stack(images), y)
    return ImageSet.from_images(images, y, size)


def _by_id(folder: Path) -> dict[int, Path]:
    out = {}
    for p in folder.iterdir():
        if p.suffix.lower() in IMAGE_SUFFIXES and p.stem.isdigit():
            out[int(p.stem)] = inside(folder, p.name)
    return out


def kaggle_cifar10_dir(root: str | os.PathLike | None = None) -> Path:
    """The book's tiny Kaggle CIFAR-10 folder under a data root (hash-checked)."""
    return locate(KAGGLE_CIFAR10_TINY, root)


def load_kaggle_cifar10(folder: str | os.PathLike, size: tuple[int, int] | None = None) -> LabelledImages:
    """A Kaggle CIFAR-10 folder (the tiny demo set here: 1000 train, 100 test images of 32x32; the competition's
    own 50,000 / 300,000 in the same layout)."""
    d = Path(folder)
    if not (d / "trainLabels.csv").is_file():
        raise DiveError(f"no trainLabels.csv in {d}: a Kaggle CIFAR-10 folder holds train/, test/, trainLabels.csv")
    with open(d / "trainLabels.csv", newline="") as f:
        rows = [(int(r["id"]), r["label"]) for r in csv.DictReader(f)]
    if not rows:
        raise DiveError(f"{d / 'trainLabels.csv'} has no rows")
    files = _by_id(d / "train")
    missing = [i for i, _ in rows if i not in files]
    if missing:
        raise DiveError(f"trainLabels.csv names {len(missing)} images missing from {d / 'train'} (e.g. {missing[0]})")
    classes = sorted({label for _, label in rows})
    train = _stack([files[i] for i, _ in rows], [classes.index(label) for _, label in rows], size)
    tests = _by_id(d / "test") if (d / "test").is_dir() else {}
    ids = sorted(tests)
    test = _stack([tests[i] for i in ids], ids, size) if ids else None
    return LabelledImages(train, classes, test, ids or None)


def load_class_folders(root: str | os.PathLike, size: tuple[int, int] | None = (224, 224)) -> LabelledImages:
    """root/CLASS/IMAGE files -> a labelled set, classes sorted by name (as `ImageFolder` numbers them)."""
    d = Path(root)
    if not d.is_dir():
        raise DiveError(f"no folder at {d}")
    classes = sorted(p.name for p in d.iterdir() if p.is_dir())
    paths, labels = [], []
    for c, name in enumerate(classes):
        found = sorted(
            inside(d, f"{name}/{p.name}") for p in (d / name).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES
        )
        paths += found
        labels += [c] * len(found)
    if not paths:
        raise DiveError(f"{d} holds no CLASS/IMAGE files ({', '.join(IMAGE_SUFFIXES)})")
    return LabelledImages(_stack(paths, labels, size), classes)


MAX_MEMBER_BYTES = 50 << 20  # one image inside an archive; a larger member is refused before it is read


def load_image_folder(path: str | os.PathLike, size: int | tuple[int, int] = 64) -> LabelledImages:
    """ROOT/CLASS/IMAGE files, from a folder or a zip archive holding that tree (under one top folder or not),
    each image resized to `size`. Classes are the CLASS folders, sorted by name, as `ImageFolder` numbers them."""
    p = Path(path)
    size = (size, size) if isinstance(size, int) else size
    if p.is_dir():
        return load_class_folders(p, size)
    if not zipfile.is_zipfile(p):
        raise DiveError(f"{p} is neither a folder nor a zip archive of CLASS/IMAGE files")
    with zipfile.ZipFile(p) as zf:
        images_in = (m for m in zf.infolist() if not m.is_dir() and m.filename.lower().endswith(IMAGE_SUFFIXES))
        members = sorted(images_in, key=lambda m: m.filename)
        parts = [m.filename.split("/") for m in members]
        top = {q[0] for q in parts}
        skip = 1 if len(top) == 1 and all(len(q) >= 3 for q in parts) else 0  # one top folder above the classes
        entries = [(m, q[skip:]) for m, q in zip(members, parts) if len(q) - skip >= 2]
        if not entries:
            raise DiveError(f"{p} holds no CLASS/IMAGE files ({', '.join(IMAGE_SUFFIXES)})")
        classes = sorted({q[0] for _, q in entries})
        images, labels = [], []
        for m, q in entries:
            if m.file_size > MAX_MEMBER_BYTES:
                raise DiveError(f"{p}: {m.filename} is {m.file_size:,} bytes, over the {MAX_MEMBER_BYTES:,} read")
            with zf.open(m) as f:
                images.append(decode_image(f, f"{p}:{m.filename}"))
            labels.append(classes.index(q[0]))
    return LabelledImages(ImageSet.from_images(images, torch.tensor(labels), size), classes)


def pokemon_zip(root: str | os.PathLike | None = None) -> Path:
    """The book's pokemon.zip (§20.2) under a data root, or $DIVE_DATA, the cache (`dive data --download pokemon`)."""
    return locate(POKEMON, root) / "pokemon.zip"


def split_by_class(s: ImageSet, valid_ratio: float, seed: int = 0) -> tuple[ImageSet, ImageSet]:
    """(train, valid): of each class, max(1, floor(n_min * valid_ratio)) random images to valid (book §14.13.1)."""
    if not 0.0 < valid_ratio < 1.0:
        raise DiveError(f"valid_ratio must be in (0, 1), got {valid_ratio}")
    counts = torch.bincount(s.labels)
    n_min = int(counts[counts > 0].min())
    per_class = max(1, math.floor(n_min * valid_ratio))
    if per_class >= n_min:
        raise DiveError(f"a class has only {n_min} images: none would be left to train on")
    g = torch.Generator().manual_seed(seed)
    valid_idx = []
    for c in counts.nonzero().flatten().tolist():
        idx = (s.labels == c).nonzero().flatten()
        valid_idx.append(idx[torch.randperm(len(idx), generator=g)[:per_class]])
    is_valid = torch.zeros(len(s), dtype=torch.bool)
    is_valid[torch.cat(valid_idx)] = True
    return ImageSet(s.images[~is_valid], s.labels[~is_valid]), ImageSet(s.images[is_valid], s.labels[is_valid])
