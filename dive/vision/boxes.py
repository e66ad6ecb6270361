"""Bounding boxes (book §14.3) and non-maximum suppression (§14.4.4): pure functions, like `torchvision.ops`.

Formats: corner boxes are `Tensor[..., 4]` in (x1, y1, x2, y2), top-left and bottom-right corners, x to the right
and y down; center boxes are (cx, cy, w, h). Coordinates are pixels or, "relative", fractions of the image width
(x) and height (y): anchors and the SSD targets are relative, so one model serves any image size.

Degenerate boxes are allowed everywhere: a box with x2 < x1 or y2 < y1 has area 0 (not a negative one), and the
IoU of two boxes whose union is empty is 0 (torchvision gives NaN there), so an empty or zero-area box never makes
a target NaN.
"""

from __future__ import annotations

import torch
from torch import Tensor


def box_corner_to_center(boxes: Tensor) -> Tensor:
    """(x1, y1, x2, y2) -> (cx, cy, w, h), boxes: Tensor[..., 4]."""
    x1, y1, x2, y2 = boxes.unbind(-1)
    return torch.stack(((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1), dim=-1)


def box_center_to_corner(boxes: Tensor) -> Tensor:
    """(cx, cy, w, h) -> (x1, y1, x2, y2), boxes: Tensor[..., 4]."""
    cx, cy, w, h = boxes.unbind(-1)
    return torch.stack((cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h), dim=-1)


def to_relative(boxes: Tensor, width: float, height: float) -> Tensor:
    """Pixel corner boxes Tensor[..., 4] -> fractions of the image (x by `width`, y by `height`)."""
    return boxes / boxes.new_tensor([width, height, width, height])


def to_pixels(boxes: Tensor, width: float, height: float) -> Tensor:
    """Relative corner boxes Tensor[..., 4] -> pixels of a `width` x `height` image (the book's bbox_scale)."""
    return boxes * boxes.new_tensor([width, height, width, height])


def box_area(boxes: Tensor) -> Tensor:
    """Area of corner boxes Tensor[..., 4] -> Tensor[...]; 0 for a degenerate box (x2 <= x1 or y2 <= y1)."""
    return (boxes[..., 2] - boxes[..., 0]).clamp(min=0) * (boxes[..., 3] - boxes[..., 1]).clamp(min=0)


def box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Jaccard index (intersection over union) of every pair: boxes1 Tensor[N, 4], boxes2 Tensor[M, 4] -> [N, M].

    IoU = |A ∩ B| / |A ∪ B| (book §14.4.2), in [0, 1]; 0 where the union is empty."""
    area1, area2 = box_area(boxes1), box_area(boxes2)
    top_left = torch.max(boxes1[:, None, :2], boxes2[None, :, :2])  # (N, M, 2)
    bottom_right = torch.min(boxes1[:, None, 2:], boxes2[None, :, 2:])
    inter = (bottom_right - top_left).clamp(min=0).prod(dim=-1)  # (N, M)
    union = area1[:, None] + area2[None, :] - inter
    return torch.where(union > 0, inter / union.clamp(min=torch.finfo(union.dtype).tiny), torch.zeros_like(inter))


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Tensor:
    """Non-maximum suppression (book §14.4.4): indices of the kept boxes, highest score first.

    boxes Tensor[N, 4] corner, scores Tensor[N]. Repeatedly keep the best remaining box and drop every remaining
    box whose IoU with it exceeds `iou_threshold`. Equal scores keep index order (a stable sort), so the result
    is deterministic; torchvision.ops.nms gives the same indices."""
    if boxes.shape[0] != scores.shape[0]:
        raise ValueError(f"nms got {boxes.shape[0]} boxes but {scores.shape[0]} scores")
    order = torch.sort(scores, descending=True, stable=True).indices
    keep = []
    while order.numel() > 0:
        i, rest = order[0], order[1:]
        keep.append(i)
        iou = box_iou(boxes[i : i + 1], boxes[rest])[0]  # one row at a time: never an N x N matrix
        order = rest[iou <= iou_threshold]
    return torch.stack(keep) if keep else torch.zeros(0, dtype=torch.long, device=boxes.device)
