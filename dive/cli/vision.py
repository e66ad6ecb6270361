"""`dive augment IMAGE`: the book's augmentations of one photo (§14.1.1), drawn;
`dive anchors IMAGE`: the anchor boxes of one pixel (book §14.4.1) and multiscale anchors (§14.5), drawn;
`dive detect RUN IMAGE`: a trained detector's boxes and scores on any photo (§14.7.4);
`dive segment RUN IMAGE`: a trained FCN's class map of any photo (§14.11.4)."""

from __future__ import annotations

import argparse
from pathlib import Path

from dive.core import DiveError

MULTISCALE = ((4, 4, 0.15), (2, 2, 0.4), (1, 1, 0.8))  # the book's §14.5 feature maps (w, h) and anchor size


MOST_VALUES = 16  # sizes or ratios per pixel: each one more anchor for every pixel of the image


def _floats(text: str, what: str) -> list[float]:
    import math

    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        shown = text if len(text) <= 60 else text[:60] + "..."
        raise DiveError(f"--{what} takes numbers separated by commas, e.g. 0.75,0.5,0.25; got {shown!r}") from None
    if not values:
        raise DiveError(f"--{what} is empty")
    if len(values) > MOST_VALUES:
        raise DiveError(f"--{what} takes at most {MOST_VALUES} numbers, got {len(values)}")
    if not all(math.isfinite(v) for v in values):
        raise DiveError(f"--{what} takes finite numbers, got {text[:60]!r}")
    return values


def anchor_labels(sizes: list[float], ratios: list[float]) -> list[str]:
    """'s=0.75, r=1', ...: the n + m - 1 anchors of `multibox_prior`, in its order."""
    pairs = [(s, ratios[0]) for s in sizes] + [(sizes[0], r) for r in ratios[1:]]
    return [f"s={s:g}, r={r:g}" for s, r in pairs]


def cmd_anchors(args: argparse.Namespace) -> int:
    import torch

    from dive.data import read_image
    from dive.plot import BoxPanel, plot_boxes
    from dive.vision import multibox_prior, to_pixels

    image = read_image(args.image)
    _, h, w = image.shape
    sizes, ratios = _floats(args.sizes, "sizes"), _floats(args.ratios, "ratios")
    if not all(0 < s <= 1 for s in sizes) or not all(1e-2 <= r <= 1e2 for r in ratios):
        raise DiveError(f"anchor sizes are in (0, 1] (a share of the image) and ratios in [0.01, 100], got sizes "
                        f"{sizes}, ratios {ratios}")  # fmt: skip
    try:
        anchors = multibox_prior(image, sizes, ratios)  # (1, h * w * k, 4), relative
    except ValueError as e:
        raise DiveError(str(e)) from None
    at = _floats(args.at, "at") if args.at else [250, 250]  # the book's pixel
    if len(at) != 2:
        raise DiveError(f"--at takes one pixel as x,y, got {len(at)} numbers")
    x, y = (int(v) for v in at)
    if not (0 <= x < w and 0 <= y < h):
        raise DiveError(f"--at {x},{y} is outside the {w}x{h} image")
    k = len(sizes) + len(ratios) - 1
    boxes = to_pixels(anchors.reshape(h, w, k, 4)[y, x], w, h)
    out = Path(args.out)
    title = f"{Path(args.image).name}: the {k} anchors centred on pixel ({x}, {y})"
    one = plot_boxes([BoxPanel(image, boxes, anchor_labels(sizes, ratios), title)], out / "anchors.png", scale=6)
    panels = []
    for fw, fh, s in MULTISCALE:
        fmap = torch.zeros(1, 1, fh, fw)
        rel = multibox_prior(fmap, sizes=[s], ratios=ratios)[0]
        panels.append(
            BoxPanel(image, to_pixels(rel, w, h), title=f"{fw}x{fh} feature map, s={s:g}: {len(rel)} anchors")
        )
    many = plot_boxes(panels, out / "multiscale.png")
    print(f"{h * w * k:,} anchors on the {w}x{h} image ({k} per pixel); wrote {one} and {many}")
    return 0


def cmd_detect(args: argparse.Namespace) -> int:
    """Detections of a trained run on any photo, drawn with their scores (the run's predictor)."""
    from dive.cli.predict import predict_as

    return predict_as("detect", args.run, ("detect",), [args.image], threshold=args.threshold, out=args.out)


def cmd_augment(args: argparse.Namespace) -> int:
    """The book's §14.1.1 grids: `--copies` augmented copies of one photo per augmentation, one PNG each."""
    import torch

    from dive.data import read_image
    from dive.plot import plot_image_grid
    from dive.vision.image_augment import BOOK_AUGMENTATIONS, augment_each, book_augmentation

    names = [n.strip() for n in args.only.split(",") if n.strip()] if args.only else list(BOOK_AUGMENTATIONS)
    unknown = [n for n in names if n not in BOOK_AUGMENTATIONS]
    if unknown:
        raise DiveError(f"unknown augmentation(s) {unknown}; choose from {', '.join(BOOK_AUGMENTATIONS)}")
    if not 1 <= args.copies <= 64:
        raise DiveError(f"--copies must be in 1..64, got {args.copies}")
    image = read_image(args.image)
    if args.resize:
        from torchvision.transforms import v2

        image = v2.Resize(args.resize, antialias=True)(image)
    g = torch.Generator().manual_seed(args.seed)
    out = Path(args.out)
    for name in names:
        copies = augment_each(book_augmentation(name), image.expand(args.copies, *image.shape), g)
        what = BOOK_AUGMENTATIONS[name][0]
        path = plot_image_grid(copies, [""] * args.copies, out / f"{name}.png", ncols=4, scale=2.5)
        print(f"{name:10} {what}: wrote {path}")
    return 0


def cmd_segment(args: argparse.Namespace) -> int:
    """A trained FCN's class map of any photo (book §14.11.4), in the dataset's palette beside the photo."""
    from dive.cli.predict import predict_as

    return predict_as("segment", args.run, ("segment",), [args.image], out=args.out)


def add_vision_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("anchors", help="draw anchor boxes on an image (book §14.4-14.5)")
    p.add_argument("image", help="a photo, e.g. $DIVE_DATA/img/catdog.jpg")
    p.add_argument("--sizes", default="0.75,0.5,0.25", help="anchor sizes in (0, 1] (default: the book's)")
    p.add_argument("--ratios", default="1,2,0.5", help="width/height ratios > 0 (default: the book's)")
    p.add_argument("--at", help="the pixel x,y whose anchors to draw (default: 250,250, as the book)")
    p.add_argument("--out", default="runs/anchors", help="folder for anchors.png and multiscale.png")
    p.set_defaults(func=cmd_anchors)
    a = sub.add_parser("augment", help="the book's image augmentations, 8 copies each (book §14.1)")
    a.add_argument("image", help="a photo, e.g. $DIVE_DATA/img/catdog.jpg")
    a.add_argument("--only", help="comma-separated: flip-lr, flip-ud, crop, brightness, hue, color, all")
    a.add_argument("--copies", type=int, default=8, help="augmented copies per augmentation (default: 8)")
    a.add_argument("--resize", type=int, default=0, help="first resize the shorter side to this (default: keep)")
    a.add_argument("--seed", type=int, default=0)
    a.add_argument("--out", default="runs/augment", help="folder for one PNG per augmentation")
    a.set_defaults(func=cmd_augment)
    g = sub.add_parser("segment", help="draw a trained FCN's class map of a photo (book §14.11)")
    g.add_argument("run", help="a segmentation run's folder or checkpoint, e.g. runs/fcn-camvid")
    g.add_argument("image", help="any photo")
    g.add_argument("--out", default="segments.png", help="the PNG to write (default: %(default)s)")
    g.set_defaults(func=cmd_segment)
    d = sub.add_parser("detect", help="draw a trained detector's boxes on a photo (book §14.7.4)")
    d.add_argument("run", help="a detection run's folder or checkpoint, e.g. runs/ssd-raccoon")
    d.add_argument("image", help="any photo")
    d.add_argument("--threshold", type=float, default=0.5, help="lowest score drawn (default: %(default)s)")
    d.add_argument("--out", default="boxes.png", help="the PNG to write (default: %(default)s)")
    d.set_defaults(func=cmd_detect)
