"""dive's readable mAP against torchmetrics' MeanAveragePrecision (pycocotools), and hand-worked golden cases."""

import pytest
import torch

from dive.vision.ap import COCO_THRESHOLDS, Detections, GroundTruth, average_precision, mean_average_precision


def _fixture(seed, n_images=6, classes=3):
    g = torch.Generator().manual_seed(seed)
    preds, truths = [], []
    for _ in range(n_images):
        n_gt = int(torch.randint(0, 4, (1,), generator=g))
        xy = torch.rand(n_gt, 2, generator=g) * 80
        gt = torch.cat([xy, xy + 10 + torch.rand(n_gt, 2, generator=g) * 30], 1)
        gt_labels = torch.randint(0, classes, (n_gt,), generator=g)
        # detections: jittered copies of the truth (some with the wrong class), plus noise boxes
        jitter = gt + torch.randn(gt.shape, generator=g) * 4
        noise_xy = torch.rand(3, 2, generator=g) * 80
        noise = torch.cat([noise_xy, noise_xy + 15], 1)
        boxes = torch.cat([jitter, noise])
        labels = torch.cat([gt_labels, torch.randint(0, classes, (3,), generator=g)])
        scores = torch.rand(len(boxes), generator=g)
        preds.append(Detections(boxes, scores, labels))
        truths.append(GroundTruth(gt, gt_labels))
    return preds, truths


@pytest.mark.parametrize("seed", range(5))
def test_map_agrees_with_torchmetrics(seed):
    from torchmetrics.detection import MeanAveragePrecision

    preds, truths = _fixture(seed)
    metric = MeanAveragePrecision(iou_type="bbox")
    metric.update(
        [{"boxes": p.boxes, "scores": p.scores, "labels": p.labels} for p in preds],
        [{"boxes": t.boxes, "labels": t.labels} for t in truths],
    )
    ref = metric.compute()
    assert mean_average_precision(preds, truths, (0.5,)) == pytest.approx(float(ref["map_50"]), abs=1e-6)
    assert mean_average_precision(preds, truths, COCO_THRESHOLDS) == pytest.approx(float(ref["map"]), abs=1e-6)


def test_hand_worked_average_precision():
    gt = GroundTruth(torch.tensor([[0, 0, 10, 10], [20, 20, 30, 30.0]]), torch.tensor([0, 0]))
    # best-scored detection finds object 1, the second is a duplicate of it (false positive), the third finds object 2
    det = Detections(torch.tensor([[0, 0, 10, 10], [1, 0, 10, 10], [20, 20, 30, 30.0]]), torch.tensor([0.9, 0.8, 0.7]),
                     torch.tensor([0, 0, 0]))  # fmt: skip
    # precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1; envelope: 1 up to recall 1/2, then 2/3
    assert average_precision([det], [gt], 0, interpolation="voc") == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    assert average_precision([det], [gt], 0) == pytest.approx((51 * 1 + 50 * 2 / 3) / 101)
    assert average_precision([det], [gt], 1) is None  # no ground truth of class 1
    missed = Detections(torch.zeros(0, 4), torch.zeros(0), torch.zeros(0, dtype=torch.long))
    assert average_precision([missed], [gt], 0) == 0.0
    with pytest.raises(ValueError, match="interpolation"):
        average_precision([det], [gt], 0, interpolation="11-point")
