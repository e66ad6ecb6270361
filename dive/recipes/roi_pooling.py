"""Region-based CNNs and region-of-interest pooling (book §14.8), as a demonstration: `roi-pooling`.

The R-CNN family, in the order the book tells it:
- R-CNN (Girshick et al., 2014): selective search proposes about 2,000 regions per image; each region is warped to
  the CNN's input size and run through a pretrained CNN *separately*; SVMs classify the features and a linear
  regressor refines the box. Slow: thousands of forward passes per image.
- Fast R-CNN (2015): one CNN pass over the whole image; each proposal is cut out of the *feature map* by RoI
  pooling into a fixed h x w grid (this recipe's subject), so one fully connected head classifies every proposal
  and regresses its box, trained end to end.
- Faster R-CNN (2015): the proposals come from a region proposal network on the same feature map (anchors of
  several sizes and ratios, each scored object/background and offset, then NMS), trained with the detector.
- Mask R-CNN (2017): RoI align (bilinear sampling instead of rounding to cells, so pixel-level masks line up)
  and a fully convolutional mask head beside the box head.

What runs here (nothing is trained): the book's RoI pooling example (a 4 x 4 map, two regions, spatial scale
0.1, 2 x 2 output), the scratch `dive.scratch.roi_pool` against `torchvision.ops.roi_pool` on it and on random
regions (the metric is the largest difference, values and gradients), their speeds, and `roi.png`: the book's
cat-and-dog photo with its two boxes, and each box pooled 7 x 7 by `roi_pool` and by `roi_align` from a stride-16
map (the photo averaged over 16 x 16 cells, standing in for a CNN's features). Box coordinates are input pixels.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import Tensor

from dive.data import fake_photos, read_image
from dive.data.catalog import IMG
from dive.data.files import locate
from dive.plot import BoxPanel, plot_boxes
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import write_records
from dive.recipes.parts import DataPart
from dive.scratch.roi import roi_pool

BOOK_X = torch.arange(16.0).reshape(1, 1, 4, 4)
BOOK_ROIS = torch.tensor([[0, 0, 0, 20, 20], [0, 0, 10, 30, 30.0]])
BOOK_OUT = [[[[5.0, 6.0], [9.0, 10.0]]], [[[9.0, 11.0], [13.0, 15.0]]]]  # book §14.8.2
CATDOG = {"dog": (60.0, 45.0, 378.0, 516.0), "cat": (400.0, 112.0, 655.0, 493.0)}  # book §14.3, pixels


@dataclass(frozen=True)
class RoIConfig(TrainConfig):
    """Book §14.8: the RoI pooling example's output size; nothing is trained."""

    regions: int = 64  # random regions for the parity check and the timing
    channels: int = 64
    map_size: int = 32  # feature map map_size x map_size at stride 16 (a 512 x 512 input)
    output: int = 7  # Fast R-CNN's 7 x 7
    reps: int = 5


def _seconds(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]


def random_regions(n: int, size: int, g: torch.Generator) -> Tensor:
    """(n, 5) rows (batch 0, x1, y1, x2, y2) in input pixels of a (16 size) x (16 size) image."""
    xy = torch.rand(n, 2, generator=g, dtype=torch.float64) * 16 * size * 0.8
    wh = torch.rand(n, 2, generator=g, dtype=torch.float64) * 16 * size * 0.5 + 8
    return torch.cat([torch.zeros(n, 1, dtype=torch.float64), xy, xy + wh], dim=1)


def parity(cfg: RoIConfig, g: torch.Generator) -> dict[str, float]:
    """Largest |scratch - torchvision| of the outputs and of the gradients w.r.t. the map, on random regions."""
    import torchvision  # on first use: importing it costs ~1.8 s of every dive command's start-up

    X = torch.randn(1, cfg.channels, cfg.map_size, cfg.map_size, generator=g, dtype=torch.float64)
    X.requires_grad_(True)
    rois, size = random_regions(cfg.regions, cfg.map_size, g), (cfg.output, cfg.output)
    ours, theirs = roi_pool(X, rois, size, 1 / 16), torchvision.ops.roi_pool(X, rois, size, 1 / 16)
    (g1,) = torch.autograd.grad(ours.sum(), X)
    (g2,) = torch.autograd.grad(theirs.sum(), X)
    Xf, rf = X.detach().float(), rois.float()
    return {
        "max_diff": float((ours - theirs).detach().abs().max()),
        "max_grad_diff": float((g1 - g2).abs().max()),
        "scratch_ms": 1e3 * _seconds(lambda: roi_pool(Xf, rf, size, 1 / 16), cfg.reps),
        "torchvision_ms": 1e3 * _seconds(lambda: torchvision.ops.roi_pool(Xf, rf, size, 1 / 16), cfg.reps),
    }


def catdog_panels(image: Tensor, boxes: dict[str, tuple[float, ...]], k: int) -> list[BoxPanel]:
    """The photo with its boxes, then each box pooled k x k from the stride-16 map by roi_pool and by roi_align."""
    import torchvision  # on first use: importing it costs ~1.8 s of every dive command's start-up

    fmap = F.avg_pool2d(image[None].float(), 16, ceil_mode=True)  # (1, 3, H/16, W/16)
    rois = torch.tensor([[0.0, *b] for b in boxes.values()])
    pooled = torchvision.ops.roi_pool(fmap, rois, (k, k), 1 / 16)
    aligned = torchvision.ops.roi_align(fmap, rois, (k, k), 1 / 16, sampling_ratio=2, aligned=True)
    panels = [BoxPanel(image, rois[:, 1:], list(boxes), "the book's boxes on catdog.jpg")]
    for i, name in enumerate(boxes):
        for how, out in (("roi_pool", pooled), ("roi_align", aligned)):
            img = out[i].clamp(0, 255).round().to(torch.uint8)
            panels.append(BoxPanel(img, torch.zeros(0, 4), title=f"{name}: {how} {k}x{k}"))
    return panels


# the book's cat-and-dog photo (uint8 (3, H, W)) and its two boxes; the stand-in a noise image of that size
CATDOG_DATA = DataPart(
    real=lambda cfg, root: (read_image(locate(IMG, root) / "catdog.jpg"), CATDOG),
    stand_in=lambda cfg: (fake_photos(1, (3, 128, 160), cfg.seed)[0],
                          {"left": (8.0, 8.0, 70.0, 120.0), "right": (80.0, 20.0, 150.0, 100.0)}),
)  # fmt: skip


def run(cfg: RoIConfig, ctx: RunContext) -> RunResult:
    import torchvision  # on first use: importing it costs ~1.8 s of every dive command's start-up

    g = torch.Generator().manual_seed(cfg.seed)
    book = roi_pool(BOOK_X, BOOK_ROIS, (2, 2), spatial_scale=0.1)
    book_tv = torchvision.ops.roi_pool(BOOK_X, BOOK_ROIS, (2, 2), spatial_scale=0.1)
    m = parity(cfg, g)
    metrics = {"max_diff": max(m["max_diff"], m["max_grad_diff"], float((book - book_tv).abs().max())), **m}
    metrics["book_example_matches"] = float(book.tolist() == BOOK_OUT)
    image, boxes = CATDOG_DATA.read(cfg, ctx.data_root)
    path = plot_boxes(catdog_panels(image, boxes, cfg.output), ctx.out_dir / "roi.png", ncols=5, scale=3)
    write_records(ctx.out_dir / "history.jsonl", [{"kind": "roi_pool", **metrics}])
    lines = [
        f"book §14.8.2 example (4x4 map, 2 regions, scale 0.1, 2x2 output): {book.flatten().tolist()}"
        + (" = the book's" if metrics["book_example_matches"] else " != the book's " + str(BOOK_OUT)),
        f"scratch roi_pool vs torchvision on {cfg.regions} random regions of a {cfg.channels}x{cfg.map_size}x"
        f"{cfg.map_size} map, {cfg.output}x{cfg.output} output: max |diff| {m['max_diff']:.1e} (values), "
        f"{m['max_grad_diff']:.1e} (gradients)",
        f"speed: scratch {m['scratch_ms']:.1f} ms, torchvision {m['torchvision_ms']:.2f} ms "
        f"({m['scratch_ms'] / max(m['torchvision_ms'], 1e-9):.0f}x: a Python loop over regions and bins)",
        f"wrote {path}",
    ]
    return RunResult.of(metrics, lines)


BOOK = RoIConfig()
recipe("roi-pooling", section="14.8 Region-based CNNs (R-CNNs): RoI pooling", dataset="img", metric="max_diff",
       higher_is_better=False, run=run, checkpoints=False, data=CATDOG_DATA,
       book=Profile(BOOK, band=(0.0, 1e-9), minutes=0.5, source="scratch equals torchvision.ops.roi_pool exactly"),
       quick=Profile(BOOK, band=(0.0, 1e-9), minutes=0.5, source="same as book"),
       tiny=Profile(replace(BOOK, regions=8, channels=4, map_size=8, reps=1, synthetic=True)),
)  # fmt: skip
