"""Faster R-CNN on the real raccoon photos (book §14.8.4): `faster-rcnn-raccoon`.

The book describes the R-CNN family but trains none of it. Here torchvision's lightest Faster R-CNN
(`dive.models.faster_rcnn`: MobileNetV3 + FPN, cut down for a CPU) trains from scratch (no ImageNet weights are
obtainable here) through the one `fit` loop with `TorchvisionDetectionStep` (its four losses kept as parts), on
the same 160/40 raccoon split as `ssd-raccoon`, and is scored the same way: held-out mAP@0.5 and mAP@[.5:.95]
beside the mean-box floor. SGD with momentum at torchvision's reference rate (0.02 for 16 images; 0.02 kept for
batch 4 here, measured to train).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from dive.data import ArrayLoader, ImageBatch, ImageSet, fake_detection_sets
from dive.data.detection import load_raccoon
from dive.models import faster_rcnn_mobilenet
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import run_fit
from dive.recipes.parts import DataPart, ModelPart
from dive.recipes.ssd import score_detections
from dive.recipes.vision_predict import detector
from dive.train.detection import TorchvisionDetectionStep
from dive.train.optim import SGD
from dive.vision import Detections


@dataclass(frozen=True)
class FasterRCNNConfig(TrainConfig):
    """Book §14.8.4: torchvision's light Faster R-CNN on the raccoon photos, at its reference schedule."""

    lr: float = 0.02
    momentum: float = 0.9
    weight_decay: float = 1e-4
    batch_size: int = 4
    max_epochs: int = 26  # torchvision's reference schedule length
    size: int = 320
    rois_per_image: int = 64
    proposals: int = 300
    threshold: float = 0.5  # score from which detections.png draws a box


def predict(model: torch.nn.Module, s: ImageSet, cfg: FasterRCNNConfig, device) -> list[Detections]:
    """Detections of every image of `s`, in batches of 8."""
    tf, dets = ImageBatch(), []
    for i in range(0, len(s), 8):
        dets += find(model, tf(s.images[i : i + 8]).to(device), cfg)
    return dets


@torch.no_grad()
def find(model: torch.nn.Module, X: torch.Tensor, cfg: FasterRCNNConfig) -> list[Detections]:
    """torchvision's detections (pixel boxes, labels from 1) of a batch (B, 3, H, W) in [0, 1] -> dive's
    (relative boxes, labels from 0)."""
    model.eval()
    h, w = X.shape[-2:]
    scale = torch.tensor([w, h, w, h], dtype=torch.float32)
    return [Detections(o["boxes"].cpu() / scale, o["scores"].cpu(), o["labels"].cpu() - 1) for o in model(list(X))]


FASTER_RCNN_PART = ModelPart(
    build=lambda cfg, meta: faster_rcnn_mobilenet(1, cfg.size, cfg.rois_per_image, cfg.proposals),
    predictor=detector(find),
    legacy_meta=lambda folder, cfg: {"classes": ["raccoon"], "size": cfg.size},
    export_note="torchvision's detector picks proposals and runs NMS in data-dependent Python control flow",
)


# (train, valid) ImageSets of uint8 (N, 3, size, size) photos and their boxes
RCNN_DATA = DataPart(
    real=lambda cfg, root: load_raccoon(root, (cfg.size, cfg.size)),
    stand_in=lambda cfg: fake_detection_sets(seed=cfg.seed, size=cfg.size),
)


def run(cfg: FasterRCNNConfig, ctx: RunContext) -> RunResult:
    train, valid = RCNN_DATA.read(cfg, ctx.data_root)
    torch.manual_seed(cfg.seed)
    ctx.meta.update(classes=["raccoon"], size=cfg.size)
    model = FASTER_RCNN_PART.build(cfg, ctx.meta)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    loader = ArrayLoader(train.images, train.labels, batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed,
                         transform=ImageBatch())  # fmt: skip
    state, _, _ = run_fit(ctx, cfg, model=model, step=TorchvisionDetectionStep(), optimizer=optimizer,
                          train_loader=loader, max_epochs=cfg.max_epochs)  # fmt: skip
    metrics = {**state.metrics, **score_detections(predict(model, valid, cfg, ctx.device), train, valid, cfg, ctx)}
    summary = (
        f"valid mAP@0.5 {metrics['valid_map50']:.3f}, mAP@[.5:.95] {metrics['valid_map']:.3f} "
        f"(mean-box baseline {metrics['baseline_map50']:.3f}, {metrics['baseline_map']:.3f}); from scratch; "
        f"{metrics['examples_per_sec']:.1f} images/sec on {ctx.device}"
    )
    return RunResult.of(metrics, summary)


BOOK = FasterRCNNConfig()
recipe("faster-rcnn-raccoon", section="14.8 Region-based CNNs: Faster R-CNN (real raccoon photos)", dataset="raccoon",
       metric="valid_map50", run=run, model=FASTER_RCNN_PART, data=RCNN_DATA,
       book=Profile(BOOK, band=(0.50, 0.90), minutes=14, source="no book number (§14.8 trains none); torchvision's "
                    "26-epoch schedule, from scratch: to measure"),
       # 360 steps of 4: mAP@0.5 0.614, @[.5:.95] 0.294 (the mean box 0.599, 0.121); the benchmark script, 11 epochs
       # in 318 s: 0.558, 0.186
       quick=Profile(replace(BOOK, max_epochs=9), band=(0.50, 0.72), minutes=5, source="measured, 2 CPU cores"),
       tiny=Profile(replace(BOOK, synthetic=True, size=64, batch_size=8, max_epochs=1, proposals=50,
                            rois_per_image=16)),
)  # fmt: skip
