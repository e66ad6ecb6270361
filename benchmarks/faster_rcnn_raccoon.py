"""Does a Faster R-CNN (book §14.8.4) train to anything on the raccoon set within a CPU quick profile? (issue 15)

torchvision's `fasterrcnn_mobilenet_v3_large_320_fpn`, the lightest Faster R-CNN it has, built with no pretrained
weights (none can be downloaded here), trained on the 160 raccoon photos for a fixed wall-clock budget, then
scored on the 40 held-out photos with dive's mAP (the same as the ssd recipes, and the same mean-box floor). The
head is cut down for a CPU (64 RoIs sampled per image instead of 512, 300 proposals kept instead of 2,000).

    .venv/bin/python benchmarks/faster_rcnn_raccoon.py --seconds 300 --size 320

Prints each epoch's loss and time, seconds per image, and the held-out mAP@0.5 and mAP@[.5:.95].
"""

from __future__ import annotations

import argparse
import time

import torch
import torchvision

from dive.data.detection import load_raccoon
from dive.recipes.ssd import mean_box_baseline, truths
from dive.vision import COCO_THRESHOLDS, Detections, mean_average_precision


def targets(labels: torch.Tensor, size: int) -> list[dict[str, torch.Tensor]]:
    """dive's padded labels (B, G, 5), relative corners -> torchvision's per-image {boxes in pixels, labels >= 1}."""
    out = []
    for rows in labels:
        rows = rows[rows[:, 0] >= 0]
        out.append({"boxes": rows[:, 1:] * size, "labels": rows[:, 0].long() + 1})
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=300, help="training budget (a quick profile is <= 5 minutes)")
    p.add_argument("--size", type=int, default=320)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--lr", type=float, default=0.02)
    p.add_argument("--data", default=None)
    args = p.parse_args()
    torch.manual_seed(0)
    train, valid = load_raccoon(args.data, (args.size, args.size))
    model = torchvision.models.detection.fasterrcnn_mobilenet_v3_large_320_fpn(
        weights=None, weights_backbone=None, num_classes=2, min_size=args.size, max_size=args.size,
        box_batch_size_per_image=64, rpn_post_nms_top_n_train=300,
    )  # fmt: skip
    opt = torch.optim.SGD([q for q in model.parameters() if q.requires_grad], lr=args.lr, momentum=0.9,
                          weight_decay=1e-4)  # fmt: skip
    start, epoch, images = time.perf_counter(), 0, 0
    while time.perf_counter() - start < args.seconds:
        model.train()
        total, perm = 0.0, torch.randperm(len(train))
        for i in range(0, len(train), args.batch_size):
            j = perm[i : i + args.batch_size]
            losses = model(list(train.images[j].float() / 255), targets(train.labels[j], args.size))
            loss = sum(losses.values())
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(j)
            images += len(j)
        epoch += 1
        elapsed = time.perf_counter() - start
        print(f"epoch {epoch}: loss {total / len(train):.3f}, {elapsed:.0f} s, {elapsed / images:.2f} s per image")
    model.eval()
    dets = []
    with torch.no_grad():
        for i in range(0, len(valid), 8):
            for o in model(list(valid.images[i : i + 8].float() / 255)):
                dets.append(Detections(o["boxes"] / args.size, o["scores"], o["labels"] - 1))
    gts, floor = truths(valid), mean_box_baseline(train, valid)
    print(
        f"faster r-cnn (mobilenet_v3 fpn, from scratch), {epoch} epochs in {time.perf_counter() - start:.0f} s: "
        f"valid mAP@0.5 {mean_average_precision(dets, gts, (0.5,)):.3f}, "
        f"mAP@[.5:.95] {mean_average_precision(dets, gts, COCO_THRESHOLDS):.3f} "
        f"(mean-box floor {mean_average_precision(floor, gts, (0.5,)):.3f})"
    )


if __name__ == "__main__":
    main()
