"""Scoring a segmentation (book §14.9-14.11): pixel accuracy and intersection over union per class.

Every score comes from one confusion matrix, counts[t, p] = pixels of true class t predicted as p (pixels marked
`ignore` left out): pixel accuracy = trace / total; IoU of class c = counts[c, c] / (row c + column c - counts[c, c]),
the overlap of the true and predicted regions of c over their union; mIoU averages it over the classes that
occur (in the truth or the prediction), so a class absent from the test frames does not count as 0.
"""

from __future__ import annotations

import torch
from torch import Tensor


def mask_confusion(pred: Tensor, target: Tensor, num_classes: int, ignore: int = 255) -> Tensor:
    """pred, target (..., H, W) class indices -> int64 counts (num_classes, num_classes), ignored pixels left out."""
    keep = target != ignore
    t, p = target[keep].long(), pred[keep].long()
    if t.numel() and (int(t.max()) >= num_classes or int(p.max()) >= num_classes):
        raise ValueError(f"a class index is >= num_classes ({num_classes})")
    return torch.bincount(t * num_classes + p, minlength=num_classes**2).reshape(num_classes, num_classes)


def segmentation_scores(counts: Tensor) -> dict[str, float | list[float]]:
    """{"pixel_acc", "miou", "iou": per class (NaN where the class occurs nowhere)} from `mask_confusion` counts."""
    counts = counts.double()
    inter = counts.diag()
    union = counts.sum(0) + counts.sum(1) - inter
    iou = torch.where(union > 0, inter / union.clamp(min=1), torch.full_like(inter, float("nan")))
    total = counts.sum()
    return {
        "pixel_acc": float(inter.sum() / total) if total > 0 else float("nan"),
        "miou": float(iou[union > 0].mean()) if (union > 0).any() else float("nan"),
        "iou": iou.tolist(),
    }
