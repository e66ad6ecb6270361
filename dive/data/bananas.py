"""The banana-detection set (book §14.6): one banana per 256x256 photo, 1000 for training and 100 for validation.

The book's set is synthetic: bananas pasted onto backgrounds. Its archive is not obtainable here, so dive makes
it the same way, deterministically from a seed: the bananas are cut out of the book's own `banana.jpg` (five
bananas pasted on a bear photo: the yellow pixels, grouped into connected pieces), and each image pastes one of
them, at a random scale, position and left-right flip, onto a random 256x256 crop of a real photo that holds no
banana (`rainier.jpg`, `autumn-oak.jpg`, and CamVid street frames when present). The generated arrays are cached
under `~/.cache/dive/bananas/`, the key holding the generator's version, the seed and the inputs' sha256.

A user who has the book's archive (`bananas_train/label.csv` + `images/`, `bananas_val/...`) gets it read as the
book reads it (`read_book_bananas`): `load_bananas` prefers it when a data root holds `banana-detection/`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

from dive.core import DiveError, cache_dir
from dive.data.catalog import IMG
from dive.data.files import locate, search_dirs, sha256_of
from dive.data.images import ImageSet, read_image

GENERATOR_VERSION = 1
SIZE = 256


def banana_sprites(photo: Tensor, min_pixels: int = 150) -> list[tuple[Tensor, Tensor]]:
    """The bananas of `banana.jpg` uint8 (3, H, W) as (rgb uint8 (3, h, w), alpha bool (h, w)) cut-outs.

    Banana yellow: hue 40-64 degrees, saturation > 0.28, value > 0.62 (the bear's fur is redder and greyer,
    the grass greener and darker); a 3x3 closing fills the highlights; pixels are grouped into connected pieces by
    propagating the largest label over 3x3 neighbourhoods inside the mask until nothing changes."""
    p = photo.float() / 255
    r, g, b = p.unbind(0)
    hi, lo = p.max(0).values, p.min(0).values
    chroma = (hi - lo).clamp(min=1e-6)
    hue = 60 * torch.where(
        hi == r, ((g - b) / chroma) % 6, torch.where(hi == g, (b - r) / chroma + 2, (r - g) / chroma + 4)
    )
    mask = (hue > 40) & (hue < 64) & ((hi - lo) / hi.clamp(min=1e-6) > 0.28) & (hi > 0.62)
    grown = F.max_pool2d(mask[None, None].float(), 3, 1, 1)
    mask = (-F.max_pool2d(-grown, 3, 1, 1))[0, 0] > 0  # closing: dilate, then erode
    labels = torch.where(mask, torch.arange(1, mask.numel() + 1).view(mask.shape).float(), 0.0)
    for _ in range(mask.numel()):
        grown = torch.where(mask, F.max_pool2d(labels[None, None], 3, 1, 1)[0, 0], 0.0)
        if torch.equal(grown, labels):
            break
        labels = grown
    sprites = []
    for value in labels.unique()[1:]:
        piece = labels == value
        if piece.sum() < min_pixels:
            continue
        ys, xs = piece.nonzero(as_tuple=True)
        y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
        sprites.append((photo[:, y0:y1, x0:x1].clone(), piece[y0:y1, x0:x1].clone()))
    if not sprites:
        raise DiveError("no banana found in banana.jpg (is it the book's image?)")
    return sprites


def _crop(background: Tensor, g: torch.Generator) -> Tensor:
    """A random SIZE x SIZE crop of a photo (scaled up first if it is smaller)."""
    _, h, w = background.shape
    if min(h, w) < SIZE:
        scale = SIZE / min(h, w)
        background = F.interpolate(background[None].float(), scale_factor=scale, mode="bilinear")[0].round().byte()
        _, h, w = background.shape
    y, x = (
        int(torch.randint(0, h - SIZE + 1, (1,), generator=g)),
        int(torch.randint(0, w - SIZE + 1, (1,), generator=g)),
    )
    return background[:, y : y + SIZE, x : x + SIZE].clone()


def paste_banana(background: Tensor, sprite: tuple[Tensor, Tensor], g: torch.Generator) -> tuple[Tensor, Tensor]:
    """(image uint8 (3, SIZE, SIZE), box (x1, y1, x2, y2) in pixels): one sprite at a random scale, flip, place."""
    rgb, alpha = sprite
    longest = float(torch.empty(1).uniform_(0.15, 0.5, generator=g)) * SIZE  # the banana's longer side
    scale = longest / max(rgb.shape[1:])
    h, w = max(int(rgb.shape[1] * scale), 4), max(int(rgb.shape[2] * scale), 4)
    rgb = F.interpolate(rgb[None].float(), size=(h, w), mode="bilinear", antialias=True)[0]
    a = F.interpolate(alpha[None, None].float(), size=(h, w), mode="bilinear", antialias=True)[0]
    if float(torch.rand(1, generator=g)) < 0.5:
        rgb, a = rgb.flip(-1), a.flip(-1)
    y, x = (
        int(torch.randint(0, SIZE - h + 1, (1,), generator=g)),
        int(torch.randint(0, SIZE - w + 1, (1,), generator=g)),
    )
    image = background.float()
    image[:, y : y + h, x : x + w] = a * rgb + (1 - a) * image[:, y : y + h, x : x + w]
    ys, xs = (a[0] > 0.5).nonzero(as_tuple=True)
    box = torch.tensor([x + int(xs.min()), y + int(ys.min()), x + int(xs.max()) + 1, y + int(ys.max()) + 1])
    return image.round().clamp(0, 255).byte(), box.float()


def generate_bananas(sprites: Sequence, backgrounds: Sequence[Tensor], n: int, seed: int) -> ImageSet:
    """`n` images of one banana each, labels (n, 1, 5) rows (0, x1, y1, x2, y2) relative, from `seed` alone."""
    g = torch.Generator().manual_seed(seed)
    images = torch.empty(n, 3, SIZE, SIZE, dtype=torch.uint8)
    labels = torch.zeros(n, 1, 5)
    for i in range(n):
        background = backgrounds[int(torch.randint(0, len(backgrounds), (1,), generator=g))]
        sprite = sprites[int(torch.randint(0, len(sprites), (1,), generator=g))]
        images[i], box = paste_banana(_crop(background, g), sprite, g)
        labels[i, 0, 1:] = box / SIZE
    return ImageSet(images, labels)


def _backgrounds(root: str | os.PathLike | None) -> tuple[list[Path], Path]:
    """The background photos (no banana in any) and banana.jpg, all hash-checked by `locate`."""
    img = locate(IMG, root)
    paths = [img / "rainier.jpg", img / "autumn-oak.jpg"]
    for _, d in search_dirs(IMG, root):  # CamVid frames beside img/, when that data root has them
        camvid = d.parent / "CamVid" / "train"
        if camvid.is_dir():
            paths += sorted(camvid.glob("*.png"))[:40]
            break
    return paths, img / "banana.jpg"


def load_bananas(root: str | os.PathLike | None = None, seed: int = 0, n_train: int = 1000, n_valid: int = 100):
    """(train, valid) banana sets: the book's archive when a data root holds it, else generated (and cached)."""
    for _, d in search_dirs(IMG, root):
        book = d.parent / "banana-detection"
        if (book / "bananas_train" / "label.csv").is_file():
            return read_book_bananas(book / "bananas_train"), read_book_bananas(book / "bananas_val")
    paths, banana = _backgrounds(root)
    inputs = [sha256_of(p) for p in [banana, *paths]]
    key = hashlib.sha256(json.dumps([GENERATOR_VERSION, seed, n_train, n_valid, inputs]).encode()).hexdigest()[:16]
    cached = cache_dir() / "bananas" / f"{key}.safetensors"
    if cached.is_file():
        from safetensors.torch import load_file

        t = load_file(cached)
        return ImageSet(t["train_images"], t["train_labels"]), ImageSet(t["valid_images"], t["valid_labels"])
    sprites = banana_sprites(read_image(banana))
    backgrounds = [read_image(p) for p in paths]
    train = generate_bananas(sprites, backgrounds, n_train, seed)
    valid = generate_bananas(sprites, backgrounds, n_valid, seed + 1_000_003)
    _save(cached, train, valid)
    return train, valid


def _save(path: Path, train: ImageSet, valid: ImageSet) -> None:
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {"train_images": train.images, "train_labels": train.labels,
               "valid_images": valid.images, "valid_labels": valid.labels}  # fmt: skip
    digests = {k: hashlib.sha256(v.numpy().tobytes()).hexdigest() for k, v in tensors.items()}
    tmp = path.with_suffix(".tmp")
    save_file(tensors, str(tmp), metadata={"generator": str(GENERATOR_VERSION), "sha256": json.dumps(digests)})
    os.replace(tmp, path)


def read_book_bananas(directory: str | os.PathLike) -> ImageSet:
    """The book's layout: `label.csv` (img_name, label, xmin, ymin, xmax, ymax in pixels) and `images/`."""
    directory = Path(directory)
    with open(directory / "label.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise DiveError(f"{directory / 'label.csv'} lists no image")
    images, labels = [], []
    for row in rows:
        img = read_image(directory / "images" / row["img_name"])
        h, w = img.shape[1:]
        x1, y1, x2, y2 = (float(row[k]) for k in ("xmin", "ymin", "xmax", "ymax"))
        if not (0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h):
            raise DiveError(f"{directory / 'label.csv'}: {row['img_name']} box {x1, y1, x2, y2} is not inside {w}x{h}")
        images.append(img)
        labels.append([[float(row["label"]), x1 / w, y1 / h, x2 / w, y2 / h]])
    return ImageSet(torch.stack(images), torch.tensor(labels))
