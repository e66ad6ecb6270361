"""Boxes, IoU, NMS and anchors (book §14.3-14.4): golden values from the book's cat-and-dog example, parity with
torchvision.ops, and property tests that feed degenerate and extreme boxes."""

import pytest
import torch
import torchvision
from hypothesis import given, settings
from hypothesis import strategies as st

from dive.vision import (
    assign_anchor_to_bbox,
    box_center_to_corner,
    box_corner_to_center,
    box_iou,
    multibox_detection,
    multibox_prior,
    multibox_target,
    nms,
    offset_boxes,
    offset_inverse,
    to_pixels,
    to_relative,
)

# book §14.4.3: the dog and the cat, and five anchors, relative to catdog.jpg
GROUND_TRUTH = torch.tensor([[0, 0.1, 0.08, 0.52, 0.92], [1, 0.55, 0.2, 0.9, 0.88]])
ANCHORS = torch.tensor(
    [
        [0, 0.1, 0.2, 0.3],
        [0.15, 0.2, 0.4, 0.4],
        [0.63, 0.05, 0.88, 0.98],
        [0.66, 0.45, 0.8, 0.8],
        [0.57, 0.3, 0.92, 0.9],
    ]
)


def _random_boxes(n, generator, scale=1.0):
    xy = torch.rand(n, 2, generator=generator) * scale
    wh = torch.rand(n, 2, generator=generator) * scale
    return torch.cat([xy, xy + wh], dim=1)


def test_formats_round_trip_and_pixels_match_the_books_dog_box():
    dog = torch.tensor([[60.0, 45.0, 378.0, 516.0]])  # book §14.3, pixels of the 728 x 561 catdog.jpg
    assert torch.allclose(box_center_to_corner(box_corner_to_center(dog)), dog)
    assert box_corner_to_center(dog).tolist() == [[219.0, 280.5, 318.0, 471.0]]
    assert torch.allclose(to_pixels(to_relative(dog, 728, 561), 728, 561), dog)


def test_iou_matches_torchvision_including_identical_and_degenerate_boxes():
    g = torch.Generator().manual_seed(0)
    a, b = _random_boxes(40, g), _random_boxes(30, g)
    b[:5] = a[:5]  # identical boxes: IoU 1
    torch.testing.assert_close(box_iou(a, b), torchvision.ops.box_iou(a, b))
    assert torch.allclose(box_iou(a[:5], b[:5]).diagonal(), torch.ones(5))
    point = torch.tensor([[0.5, 0.5, 0.5, 0.5]])  # zero area: torchvision divides 0 by 0
    assert box_iou(point, point).item() == 0.0 and torchvision.ops.box_iou(point, point).isnan().all()
    flipped = torch.tensor([[0.6, 0.6, 0.2, 0.2]])  # x2 < x1: area 0, not negative
    assert box_iou(flipped, a).abs().max() == 0


def test_nms_matches_torchvision_with_ties_and_duplicates():
    g = torch.Generator().manual_seed(1)
    boxes = _random_boxes(200, g, scale=0.5)
    scores = torch.rand(200, generator=g)
    for t in (0.0, 0.3, 0.5, 0.7, 1.0):
        assert nms(boxes, scores, t).tolist() == torchvision.ops.nms(boxes, scores, t).tolist()
    # duplicates with distinct scores: only the best survives; equal scores on separate boxes: index order
    dup = torch.tensor([[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [4, 4, 5, 5.0]])
    assert nms(dup, torch.tensor([0.5, 0.9, 0.7, 0.7]), 0.5).tolist() == [1, 2, 3]
    assert nms(torch.zeros(0, 4), torch.zeros(0), 0.5).tolist() == []


def test_the_books_anchor_labels_masks_and_offsets():
    offsets, mask, classes = multibox_target(ANCHORS.unsqueeze(0), GROUND_TRUTH.unsqueeze(0))
    assert classes.tolist() == [[0, 1, 2, 0, 2]]
    assert mask.tolist() == [[0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1]]
    book = [0, 0, 0, 0, 1.40, 10.0, 2.59, 7.18, -1.20, 0.269, 1.68, -1.57, 0, 0, 0, 0, -0.571, -1.0, 0.0, 0.626]
    assert offsets[0].tolist() == pytest.approx(book, abs=5e-3)


def test_greedy_assignment_gives_every_box_an_anchor_even_below_the_threshold():
    gt = torch.tensor([[0.0, 0.0, 0.1, 0.1], [0.8, 0.8, 1.0, 1.0]])
    anchors = torch.tensor([[0.0, 0.0, 0.5, 0.5], [0.5, 0.5, 1.0, 1.0], [0.2, 0.2, 0.3, 0.3]])
    assert assign_anchor_to_bbox(gt, anchors).tolist() == [0, 1, -1]  # IoUs 0.04 and 0.16, still assigned
    assert assign_anchor_to_bbox(gt[:0], anchors).tolist() == [-1, -1, -1]


def test_offsets_invert_exactly():
    g = torch.Generator().manual_seed(2)
    anchors, boxes = _random_boxes(50, g).double(), _random_boxes(50, g).double()
    torch.testing.assert_close(offset_inverse(anchors, offset_boxes(anchors, boxes)), boxes)


def test_multibox_prior_counts_and_the_books_catdog_anchor():
    X = torch.zeros(1, 3, 561, 728)  # catdog.jpg
    Y = multibox_prior(X, sizes=[0.75, 0.5, 0.25], ratios=[1, 2, 0.5])
    assert Y.shape == (1, 561 * 728 * 5, 4)
    boxes = Y.reshape(561, 728, 5, 4)
    assert boxes[250, 250, 0].tolist() == pytest.approx([0.06, 0.07, 0.63, 0.82], abs=5e-3)  # book §14.4.1
    with pytest.raises(ValueError, match="must be > 0"):
        multibox_prior(X, sizes=[0.5, 0], ratios=[1])
    with pytest.raises(ValueError, match="must be > 0"):
        multibox_prior(X, sizes=[0.5], ratios=[-1])


def test_the_books_nms_example():
    anchors = torch.tensor(
        [[0.1, 0.08, 0.52, 0.92], [0.08, 0.2, 0.56, 0.95], [0.15, 0.3, 0.62, 0.91], [0.55, 0.2, 0.9, 0.88]]
    )
    cls_probs = torch.tensor([[0.0] * 4, [0.9, 0.8, 0.7, 0.1], [0.1, 0.2, 0.3, 0.9]])
    out = multibox_detection(cls_probs[None], torch.zeros(1, 16), anchors[None], nms_threshold=0.5)
    expected = [[0, 0.9, 0.1, 0.08, 0.52, 0.92], [1, 0.9, 0.55, 0.2, 0.9, 0.88], [-1, 0.8, 0.08, 0.2, 0.56, 0.95],
                [-1, 0.7, 0.15, 0.3, 0.62, 0.91]]  # fmt: skip
    assert out[0].tolist() == [pytest.approx(row) for row in expected]


coords = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False, width=32)
box_lists = st.lists(st.tuples(coords, coords, coords, coords), min_size=0, max_size=12)


@settings(max_examples=80, deadline=None)
@given(box_lists, box_lists)
def test_iou_nms_and_targets_never_crash_or_make_nan_on_any_boxes(a, b):
    A = torch.tensor(a, dtype=torch.float32).reshape(-1, 4)
    B = torch.tensor(b, dtype=torch.float32).reshape(-1, 4)
    iou = box_iou(A, B)
    assert iou.shape == (len(a), len(b)) and not iou.isnan().any() and ((iou >= 0) & (iou <= 1 + 1e-6)).all()
    keep = nms(A, torch.arange(len(a), dtype=torch.float32), 0.5)
    assert len(set(keep.tolist())) == len(keep) <= len(a)
    if len(b):
        labels = torch.cat([torch.zeros(len(b), 1), B], dim=1)[None]
        anchors = multibox_prior(torch.zeros(1, 1, 2, 3), sizes=[0.5, 0.25], ratios=[1, 2])
        offsets, mask, classes = multibox_target(anchors, labels)
        assert not offsets.isnan().any() and classes.min() >= 0 and (mask.sum() > 0) == (classes.sum() > 0)
