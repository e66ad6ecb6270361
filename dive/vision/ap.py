"""Mean average precision, the detection benchmark's score, written to be read (the book names it, §14.3-14.7).

For one class and one IoU threshold t:
1. pool every image's detections of the class and sort them by score, highest first;
2. walk down the list: a detection is a true positive if it overlaps (IoU >= t) a ground-truth box of its image
   and class that no higher-scored detection has claimed (the best-overlapping unclaimed one), else a false
   positive (a duplicate of a found object is a false positive: detectors must not say it twice);
3. after k detections, precision = TP_k / k and recall = TP_k / (number of ground-truth boxes);
4. make precision non-increasing from the right (the best precision at any recall at least this high), and
   average it over recall levels: the 101 levels 0, 0.01, ..., 1 (COCO, `interpolation="coco"`, what
   pycocotools and torchmetrics compute) or the area under the whole step curve (VOC 2010+, `"voc"`).
mAP is the mean over the classes that have ground truth; COCO's mAP@[.5:.95] also averages t = 0.5, 0.55, ..., 0.95.
COCO keeps each image's 100 best detections (`max_detections`).

Inputs per image: predicted boxes Tensor[P, 4] corners, scores Tensor[P], labels Tensor[P]; ground-truth boxes
Tensor[G, 4], labels Tensor[G]. Pixel or relative coordinates, the same for both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from dive.vision.boxes import box_iou

COCO_THRESHOLDS = tuple(0.5 + 0.05 * i for i in range(10))


@dataclass(frozen=True)
class Detections:
    """One image's predictions: boxes Tensor[P, 4], scores Tensor[P], labels Tensor[P] (int)."""

    boxes: Tensor
    scores: Tensor
    labels: Tensor


@dataclass(frozen=True)
class GroundTruth:
    """One image's objects: boxes Tensor[G, 4], labels Tensor[G] (int)."""

    boxes: Tensor
    labels: Tensor


def _matches(preds: Sequence[Detections], truths: Sequence[GroundTruth], cls: int, t: float, max_det: int):
    """(scores, is-true-positive) of every detection of class `cls`, sorted by score, and the ground-truth count."""
    scores, hits, n_true = [], [], 0
    for det, gt in zip(preds, truths, strict=True):
        gt_boxes = gt.boxes[gt.labels == cls]
        n_true += len(gt_boxes)
        keep = torch.sort(det.scores, descending=True, stable=True).indices[:max_det]  # COCO: 100 per image
        mine = keep[det.labels[keep] == cls]
        claimed = torch.zeros(len(gt_boxes), dtype=torch.bool)
        iou = box_iou(det.boxes[mine].float(), gt_boxes.float()) if len(gt_boxes) else None
        for k, j in enumerate(mine.tolist()):  # this image's detections, best first
            hit = False
            if iou is not None:
                candidates = torch.where(claimed, -1.0, iou[k])
                best = int(candidates.argmax())
                if candidates[best] >= t:
                    claimed[best] = hit = True
            scores.append(float(det.scores[j]))
            hits.append(hit)
    order = sorted(range(len(scores)), key=lambda i: -scores[i])  # stable: ties keep image order
    return [hits[i] for i in order], n_true


def average_precision(
    preds: Sequence[Detections],
    truths: Sequence[GroundTruth],
    cls: int,
    iou_threshold: float = 0.5,
    interpolation: str = "coco",
    max_detections: int = 100,
) -> float | None:
    """AP of class `cls` at one IoU threshold; None when no image has a ground-truth box of the class."""
    hits, n_true = _matches(preds, truths, cls, iou_threshold, max_detections)
    if n_true == 0:
        return None
    if not hits:  # objects to find and no detection of the class
        return 0.0
    tp = torch.tensor(hits, dtype=torch.float64).cumsum(0)
    k = torch.arange(1, len(hits) + 1, dtype=torch.float64)
    recall = tp / n_true
    precision = tp / k
    precision = torch.flip(torch.cummax(torch.flip(precision, [0]), 0).values, [0])  # envelope from the right
    if interpolation == "coco":
        levels = torch.linspace(0, 1, 101, dtype=torch.float64)
        idx = torch.searchsorted(recall, levels, side="left")
        values = torch.where(idx < len(hits), precision[idx.clamp(max=len(hits) - 1)], 0.0)
        return float(values.mean())
    if interpolation == "voc":  # area under the step curve: sum over recall increases of precision there
        previous = torch.cat((torch.zeros(1, dtype=torch.float64), recall[:-1]))
        return float(((recall - previous) * precision).sum())
    raise ValueError(f"interpolation must be 'coco' or 'voc', got {interpolation!r}")


def mean_average_precision(
    preds: Sequence[Detections],
    truths: Sequence[GroundTruth],
    iou_thresholds: Sequence[float] = (0.5,),
    interpolation: str = "coco",
) -> float:
    """Mean over the classes with ground truth, and over `iou_thresholds`, of the AP (see the module docstring)."""
    classes = sorted({int(c) for gt in truths for c in gt.labels.tolist()})
    if not classes:
        raise ValueError("mean average precision needs at least one ground-truth box")
    aps = [average_precision(preds, truths, c, t, interpolation) for t in iou_thresholds for c in classes]
    return sum(a for a in aps if a is not None) / len(aps)
