"""Anchor boxes (book §14.4): generate them, label them for training, and turn predictions back into detections.

All boxes are relative corner boxes (x1, y1, x2, y2) in [0, 1] (see `dive.vision.boxes`).
- `multibox_prior`: n + m - 1 anchors per pixel for n sizes s and m ratios r: every size with r_1, and s_1 with
  every other ratio; an anchor of size s and ratio r is s * sqrt(r) wide and s / sqrt(r) high, relative to the
  image height (so square anchors look square on a non-square image).
- `assign_anchor_to_bbox`: the book's greedy assignment (each ground-truth box gets its best anchor, largest IoU
  first), then every other anchor whose best IoU reaches the threshold.
- `offset_boxes` / `offset_inverse`: the offset of a box from its anchor, (10 dx / w_a, 10 dy / h_a,
  5 log(w / w_a), 5 log(h / h_a)) (the book's means 0 and standard deviations 0.1 and 0.2), and back.
- `multibox_target`: class labels (0 = background, class + 1 otherwise), offsets and the mask that zeroes the
  background anchors' offsets in the loss.
- `multibox_detection`: offsets -> boxes, the best class per anchor, then NMS; suppressed and low-score anchors
  get class -1.
One deliberate difference: the book's 5 log(eps + w / w_a) becomes 5 log(max(w / w_a, eps)), so `offset_inverse`
undoes `offset_boxes` exactly for any box wider and higher than eps times its anchor.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from dive.vision.boxes import box_center_to_corner, box_corner_to_center, box_iou, nms


def multibox_prior(data: Tensor, sizes: Sequence[float], ratios: Sequence[float]) -> Tensor:
    """Anchors centred on every pixel of `data` (..., H, W): Tensor[1, H * W * (n + m - 1), 4], relative corners.

    Pixel (i, j)'s anchors come together: index (i * W + j) * (n + m - 1) + k."""
    if not sizes or not ratios:
        raise ValueError("multibox_prior needs at least one size and one ratio")
    if any(not (s > 0) for s in sizes) or any(not (r > 0) for r in ratios):
        raise ValueError(f"anchor sizes and ratios must be > 0, got sizes {list(sizes)}, ratios {list(ratios)}")
    h_in, w_in = data.shape[-2:]
    device = data.device
    size = torch.tensor(sizes, dtype=torch.float32, device=device)
    ratio = torch.tensor(ratios, dtype=torch.float32, device=device)
    center_h = (torch.arange(h_in, device=device) + 0.5) / h_in  # pixel centres, relative
    center_w = (torch.arange(w_in, device=device) + 0.5) / w_in
    shift_y, shift_x = torch.meshgrid(center_h, center_w, indexing="ij")
    shift_y, shift_x = shift_y.reshape(-1), shift_x.reshape(-1)
    # widths are relative to the image width: the factor h_in / w_in keeps ratio 1 square on a non-square image
    w = torch.cat((size * torch.sqrt(ratio[0]), size[0] * torch.sqrt(ratio[1:]))) * h_in / w_in
    h = torch.cat((size / torch.sqrt(ratio[0]), size[0] / torch.sqrt(ratio[1:])))
    half = torch.stack((-w, -h, w, h)).T.repeat(h_in * w_in, 1) / 2  # (H * W * (n + m - 1), 4)
    per_pixel = len(sizes) + len(ratios) - 1
    grid = torch.stack((shift_x, shift_y, shift_x, shift_y), dim=1).repeat_interleave(per_pixel, dim=0)
    return (grid + half).unsqueeze(0)


def assign_anchor_to_bbox(ground_truth: Tensor, anchors: Tensor, iou_threshold: float = 0.5) -> Tensor:
    """For each anchor, the index of its ground-truth box, or -1: ground_truth Tensor[G, 4], anchors
    Tensor[A, 4] -> Tensor[A] int64 (book §14.4.3)."""
    num_anchors, num_gt = anchors.shape[0], ground_truth.shape[0]
    assigned = torch.full((num_anchors,), -1, dtype=torch.long, device=anchors.device)
    if num_gt == 0 or num_anchors == 0:
        return assigned
    jaccard = box_iou(anchors, ground_truth)  # (A, G)
    max_ious, indices = jaccard.max(dim=1)
    assigned[max_ious >= iou_threshold] = indices[max_ious >= iou_threshold]
    for _ in range(min(num_gt, num_anchors)):  # greedily: the largest IoU left, then discard its row and column
        best = int(jaccard.argmax())
        anc, box = divmod(best, num_gt)
        if jaccard[anc, box] < 0:
            break
        assigned[anc] = box
        jaccard[:, box] = -1
        jaccard[anc, :] = -1
    return assigned


def offset_boxes(anchors: Tensor, assigned: Tensor, eps: float = 1e-6) -> Tensor:
    """Offsets Tensor[A, 4] of boxes `assigned` Tensor[A, 4] from their `anchors` Tensor[A, 4] (corners)."""
    a, b = box_corner_to_center(anchors), box_corner_to_center(assigned)
    xy = 10 * (b[:, :2] - a[:, :2]) / a[:, 2:]
    wh = 5 * torch.log((b[:, 2:] / a[:, 2:]).clamp(min=eps))
    return torch.cat((xy, wh), dim=1)


def offset_inverse(anchors: Tensor, offsets: Tensor) -> Tensor:
    """Boxes Tensor[A, 4] (corners) from `anchors` Tensor[A, 4] and predicted `offsets` Tensor[A, 4]."""
    a = box_corner_to_center(anchors)
    xy = offsets[:, :2] * a[:, 2:] / 10 + a[:, :2]
    wh = torch.exp(offsets[:, 2:] / 5) * a[:, 2:]
    return box_center_to_corner(torch.cat((xy, wh), dim=1))


def multibox_target(anchors: Tensor, labels: Tensor, iou_threshold: float = 0.5) -> tuple[Tensor, Tensor, Tensor]:
    """Training targets of every anchor for a batch (book §14.4.3).

    anchors Tensor[1, A, 4] (or [A, 4]); labels Tensor[B, G, 5] rows (class, x1, y1, x2, y2), a row with class < 0
    being padding (images with fewer boxes). Returns offsets Tensor[B, A * 4], mask Tensor[B, A * 4] (1 for anchors
    assigned a box) and class labels Tensor[B, A] int64 (0 = background, class + 1)."""
    anchors = anchors.reshape(-1, 4)
    offsets, masks, classes = [], [], []
    for label in labels:
        label = label[label[:, 0] >= 0]
        assigned = assign_anchor_to_bbox(label[:, 1:], anchors, iou_threshold)
        mask = (assigned >= 0).float().unsqueeze(-1).repeat(1, 4)  # (A, 4)
        cls = torch.zeros(anchors.shape[0], dtype=torch.long, device=anchors.device)
        boxes = torch.zeros_like(anchors)
        hit = assigned >= 0
        cls[hit] = label[assigned[hit], 0].long() + 1
        boxes[hit] = label[assigned[hit], 1:]
        offsets.append((offset_boxes(anchors, torch.where(hit[:, None], boxes, anchors)) * mask).reshape(-1))
        masks.append(mask.reshape(-1))
        classes.append(cls)
    return torch.stack(offsets), torch.stack(masks), torch.stack(classes)


def multibox_detection(
    cls_probs: Tensor,
    offset_preds: Tensor,
    anchors: Tensor,
    nms_threshold: float = 0.5,
    pos_threshold: float = 0.009999999,
) -> Tensor:
    """Detections for a batch: cls_probs Tensor[B, C + 1, A] (row 0 = background), offset_preds Tensor[B, A * 4],
    anchors Tensor[1, A, 4] -> Tensor[B, A, 6] rows (class, score, x1, y1, x2, y2), kept boxes first by score;
    class -1 marks a suppressed box or one whose score is under `pos_threshold` (book §14.4.4)."""
    anchors = anchors.reshape(-1, 4)
    num_anchors = anchors.shape[0]
    out = []
    for cls_prob, offset_pred in zip(cls_probs, offset_preds):
        if cls_prob.shape[0] < 2:
            raise ValueError("cls_probs needs a background row and at least one class row")
        conf, class_id = cls_prob[1:].max(dim=0)
        boxes = offset_inverse(anchors, offset_pred.reshape(-1, 4))
        keep = nms(boxes, conf, nms_threshold)
        dropped = torch.ones(num_anchors, dtype=torch.bool, device=anchors.device)
        dropped[keep] = False
        order = torch.cat((keep, dropped.nonzero().reshape(-1)))
        class_id = torch.where(dropped, -1, class_id)[order]
        conf, boxes = conf[order], boxes[order]
        low = conf < pos_threshold
        class_id = torch.where(low, -1, class_id)
        conf = torch.where(low, 1 - conf, conf)
        out.append(torch.cat((class_id[:, None].to(conf.dtype), conf[:, None], boxes), dim=1))
    return torch.stack(out)


def anchors_per_pixel(sizes: Sequence[float], ratios: Sequence[float]) -> int:
    """n + m - 1: how many anchors `multibox_prior` centres on each pixel."""
    return len(sizes) + len(ratios) - 1
