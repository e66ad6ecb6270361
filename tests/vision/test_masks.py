"""Segmentation scores from one confusion matrix, against torchmetrics."""

import pytest
import torch

from dive.vision import mask_confusion, segmentation_scores


@pytest.mark.parametrize("seed", range(4))
def test_pixel_accuracy_and_miou_match_torchmetrics(seed):
    tm = pytest.importorskip("torchmetrics.classification")
    g = torch.Generator().manual_seed(seed)
    target = torch.randint(0, 5, (3, 20, 30), generator=g)
    pred = torch.where(torch.rand(3, 20, 30, generator=g) < 0.6, target, torch.randint(0, 5, (3, 20, 30), generator=g))
    target[0, :3] = 255  # ignored
    s = segmentation_scores(mask_confusion(pred, target, 6))  # class 5 occurs nowhere: left out of the mean
    miou = tm.MulticlassJaccardIndex(6, ignore_index=255, average="macro")(pred, target)
    acc = tm.MulticlassAccuracy(6, ignore_index=255, average="micro")(pred, target)
    assert s["miou"] == pytest.approx(float(miou), abs=1e-6) and s["pixel_acc"] == pytest.approx(float(acc), abs=1e-6)
    assert s["iou"][5] != s["iou"][5]  # NaN


def test_hand_worked_iou():
    target = torch.tensor([[0, 0, 1, 1]])
    pred = torch.tensor([[0, 1, 1, 1]])
    s = segmentation_scores(mask_confusion(pred, target, 2))
    assert s["iou"] == [0.5, 2 / 3] and s["pixel_acc"] == 0.75
    with pytest.raises(ValueError, match="num_classes"):
        mask_confusion(pred + 5, target, 2)
