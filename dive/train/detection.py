"""Training a single-shot detector (book §14.7.3): the SSD step for the one `fit` loop.

Each anchor is a training example (§14.4.3): `multibox_target` labels it with a class (0 = background) and the
offsets of its assigned box. The loss of an image is the mean over its anchors of the class cross-entropy plus the
mean L1 distance of the predicted offsets, counted only on anchors assigned a box (the mask). The book reports the
class error (share of anchors with the wrong class) and the box MAE (over every offset, masked): both are loss
parts here, each averaged over its own count, so the history holds `train_cls_err` and `train_bbox_mae`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from dive.train.steps import StepOut
from dive.vision import multibox_target


class SSDStep:
    """Batch (images (B, 3, H, W), labels (B, G, 5)) -> the book's SSD loss, with its parts; counts images."""

    def __call__(self, forward: Callable[..., Any], batch: Sequence[Tensor], state: Any = None) -> StepOut:
        X, labels = batch
        anchors, cls_preds, bbox_preds = forward(X)  # (1, A, 4), (B, A, C + 1), (B, A * 4)
        with torch.no_grad():
            bbox_labels, bbox_masks, cls_labels = multibox_target(anchors, labels)
        B, _, C = cls_preds.shape
        cls = F.cross_entropy(cls_preds.reshape(-1, C).float(), cls_labels.reshape(-1), reduction="none")
        cls = cls.reshape(B, -1).mean(dim=1)  # (B,): mean over anchors
        bbox = F.l1_loss(bbox_preds.float() * bbox_masks, bbox_labels * bbox_masks, reduction="none").mean(dim=1)
        with torch.no_grad():
            errors = (cls_preds.argmax(dim=-1) != cls_labels).sum()
            mae = ((bbox_labels - bbox_preds.float()) * bbox_masks).abs().sum()
        n_cls, n_box = cls_labels.numel(), bbox_labels.numel()
        parts = {
            "cls": cls.mean(),
            "bbox": bbox.mean(),
            "cls_err": (errors / n_cls, n_cls),  # book §14.7.3: 3.2e-3 on its banana set
            "bbox_mae": (mae / n_box, n_box),  # book: 3.1e-3
        }
        return StepOut((cls + bbox).mean(), B, (anchors, cls_preds, bbox_preds), labels, parts=parts)


def torchvision_targets(labels: Tensor, height: int, width: int) -> list[dict[str, Tensor]]:
    """dive's padded labels (B, G, 5), relative corners, class from 0 -> torchvision's list of per-image
    {"boxes": (G_i, 4) pixel corners, "labels": (G_i,) int64 from 1} (torchvision keeps 0 for the background)."""
    scale = labels.new_tensor([width, height, width, height])
    out = []
    for rows in labels:
        rows = rows[rows[:, 0] >= 0]
        out.append({"boxes": rows[:, 1:] * scale, "labels": rows[:, 0].long() + 1})
    return out


class TorchvisionDetectionStep:
    """Batch (images (B, 3, H, W), labels (B, G, 5)) -> the sum of a torchvision detector's losses (Faster R-CNN:
    RPN objectness and box, RoI classifier and box), each kept as a part; counts images. Training mode only: in
    eval mode torchvision detectors return detections, not losses, so a run scores held-out data by mAP instead."""

    def __call__(self, forward: Callable[..., Any], batch: Sequence[Tensor], state: Any = None) -> StepOut:
        X, labels = batch
        losses = forward(list(X), torchvision_targets(labels, X.shape[-2], X.shape[-1]))
        if not isinstance(losses, dict):
            raise TypeError("TorchvisionDetectionStep trains only: the model returned detections (eval mode)")
        parts = {name.removeprefix("loss_"): value for name, value in losses.items()}
        return StepOut(sum(losses.values()), X.shape[0], None, labels, parts=parts)
