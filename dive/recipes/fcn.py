"""Semantic segmentation with a fully convolutional network (book §14.9-14.11): `fcn-camvid`.

The book fine-tunes an FCN on an ImageNet ResNet-18 over Pascal VOC2012 (batch 32, SGD lr 1e-3, weight decay
1e-3, 5 epochs, 320 x 480 crops). Neither VOC2012 nor ImageNet weights are obtainable here; the real stand-in is
CamVid (74 street frames to train on, 47 held out, 11 classes), and without `--weights PATH` (a torchvision
ResNet-18 state dict, the book's start) the backbone starts from scratch, so the profiles train longer, with Adam.
Scores on the held-out test frames: pixel accuracy and mIoU (`dive.vision.masks`, which agrees with
torchmetrics), beside the floor of predicting the most common training class everywhere. `segmentation.png`
shows frames, their truth and the prediction in CamVid's palette.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F

from dive.core import ConfigError
from dive.data import IMAGENET_MEAN, IMAGENET_STD, ArrayLoader, ImageBatch, ImageSet
from dive.data.segmentation import CAMVID_CLASSES, CAMVID_PALETTE, IGNORE, fake_segmentation_sets, load_camvid
from dive.models import FCN
from dive.plot import plot_image_grid
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import run_fit
from dive.recipes.parts import DataPart, ModelPart
from dive.recipes.pretrained import photo_resnet18
from dive.recipes.vision_predict import SEGMENTER
from dive.train import SupervisedStep
from dive.train.optim import SGD, Adam
from dive.vision import mask_confusion, segmentation_scores


@dataclass(frozen=True)
class FCNConfig(TrainConfig):
    """Book §14.11: the FCN and its fine-tuning (the book's batch, lr and weight decay by default); the input size is
    CamVid's."""

    lr: float = 1e-3
    weight_decay: float = 1e-3
    batch_size: int = 32
    max_epochs: int = 5
    optimizer: str = "sgd"  # the book's; "adam" for a backbone trained from scratch
    height: int = 352  # CamVid's 360 x 480 frames resized to multiples of 32 (the book crops VOC to 320 x 480)
    width: int = 480
    weights: str = ""  # a torchvision ResNet-18 state dict (.pth) for the backbone (the book's: ImageNet's)
    backbone: str = "scratch"  # without --weights: "scratch", or "kaggle-cifar10" (pretrained by dive, cached)
    channels_last: bool = True


def pixel_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Cross-entropy per pixel, averaged over the labelled ones: logits (B, C, H, W), y (B, H, W) uint8."""
    return F.cross_entropy(logits.float(), y.long(), ignore_index=IGNORE)


def predict(model, s: ImageSet, cfg: FCNConfig, device) -> torch.Tensor:
    """Class indices (N, H, W) for every frame of `s`."""
    tf = ImageBatch(mean=IMAGENET_MEAN, std=IMAGENET_STD, channels_last=cfg.channels_last)
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(s), 8):
            out.append(model(tf(s.images[i : i + 8]).to(device)).argmax(dim=1).to(torch.uint8).cpu())
    return torch.cat(out)


def colorize(labels: torch.Tensor) -> torch.Tensor:
    """Class indices (N, H, W) -> uint8 RGB (N, 3, H, W) in CamVid's palette (ignored pixels black)."""
    palette = torch.tensor([*CAMVID_PALETTE, *[(0, 0, 0)] * (256 - len(CAMVID_PALETTE))], dtype=torch.uint8)
    return palette[labels.long()].permute(0, 3, 1, 2)


def save_segmentation(s: ImageSet, pred: torch.Tensor, path, n: int = 4) -> None:
    """segmentation.png: rows of (frame, truth, prediction), the book's §14.11.4 figure."""
    frames = [t for i in range(min(n, len(s))) for t in (s.images[i], colorize(s.labels[i : i + 1])[0],
                                                          colorize(pred[i : i + 1])[0])]  # fmt: skip
    titles = ["frame", "truth", "prediction"] * (len(frames) // 3)
    plot_image_grid(torch.stack(frames), titles, path, ncols=3, scale=3)


def backbone_weights(cfg: FCNConfig, ctx: RunContext) -> str:
    """The file the backbone starts from: --weights, dive's own pretrained ResNet-18, or "" (from scratch)."""
    if cfg.weights or cfg.backbone == "scratch":
        return cfg.weights
    if cfg.backbone != "kaggle-cifar10":
        raise ConfigError(f"--backbone is scratch or kaggle-cifar10 (or give --weights PATH), got {cfg.backbone!r}")
    epochs = 2 if cfg.synthetic else 20  # the tiny profile's stand-in only has to exercise the path
    return str(photo_resnet18(ctx.data_root, epochs=epochs, synthetic=cfg.synthetic)[1])


def build_model(cfg: FCNConfig, weights: str = "") -> FCN:
    model = FCN(num_classes=len(CAMVID_CLASSES))
    if weights:
        model.load_backbone(weights)
    return model.to(memory_format=torch.channels_last) if cfg.channels_last else model


def fcn_meta(cfg: FCNConfig) -> dict:
    """What the segmenter's predictor needs: CamVid's classes and palette, the input size, the normalisation."""
    return {"classes": list(CAMVID_CLASSES), "palette": [list(c) for c in CAMVID_PALETTE],
            "size": [cfg.height, cfg.width], "mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD)}  # fmt: skip


FCN_PART = ModelPart(
    build=lambda cfg, meta: FCN(num_classes=len(meta["classes"])),
    predictor=SEGMENTER,
    legacy_meta=lambda folder, cfg: fcn_meta(cfg),
    export_input=lambda trained: (torch.rand(1, 3, *trained.meta["size"]),),
)


# (train, valid, test) ImageSets: uint8 (N, 3, H, W) frames, uint8 (N, H, W) class maps (IGNORE: unlabelled)
FCN_DATA = DataPart(
    real=lambda cfg, root: load_camvid(root, (cfg.height, cfg.width)),
    stand_in=lambda cfg: fake_segmentation_sets(cfg.seed, (cfg.height, cfg.width)),
)


def run(cfg: FCNConfig, ctx: RunContext) -> RunResult:
    if cfg.height % 32 or cfg.width % 32:
        raise ConfigError(f"--height and --width must be multiples of 32 (FCN's stride), got {cfg.height}x{cfg.width}")
    train, _, test = FCN_DATA.read(cfg, ctx.data_root)
    weights = backbone_weights(cfg, ctx)
    ctx.meta.update(fcn_meta(cfg))
    model = build_model(cfg, weights)
    if cfg.optimizer not in ("sgd", "adam"):
        raise ConfigError(f"--optimizer is sgd or adam, got {cfg.optimizer!r}")
    opt_cls = SGD if cfg.optimizer == "sgd" else Adam
    optimizer = opt_cls(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    tf = ImageBatch(mean=IMAGENET_MEAN, std=IMAGENET_STD, channels_last=cfg.channels_last)
    count = lambda y: int((y != IGNORE).sum())  # noqa: E731 - pixels that carry a label
    kw = {"batch_size": cfg.batch_size, "transform": tf}
    train_loader = ArrayLoader(train.images, train.labels, shuffle=True, seed=cfg.seed, **kw)
    test_loader = ArrayLoader(test.images, test.labels, **kw)
    state, _, _ = run_fit(ctx, cfg, model=model, step=SupervisedStep(pixel_loss, count), optimizer=optimizer,
                          train_loader=train_loader, valid_loader=test_loader, max_epochs=cfg.max_epochs)  # fmt: skip
    pred = predict(model, test, cfg, ctx.device)
    k = len(CAMVID_CLASSES)
    scores = segmentation_scores(mask_confusion(pred, test.labels, k))
    known = train.labels[train.labels != IGNORE]
    majority = torch.full_like(test.labels, int(torch.bincount(known.long(), minlength=k).argmax()))
    floor = segmentation_scores(mask_confusion(majority, test.labels, k))
    metrics = {**state.metrics, "test_pixel_acc": scores["pixel_acc"], "test_miou": scores["miou"],
               "floor_pixel_acc": floor["pixel_acc"], "floor_miou": floor["miou"]}  # fmt: skip
    metrics.update({f"iou_{name}": v for name, v in zip(CAMVID_CLASSES, scores["iou"])})
    if ctx.dist.is_main:
        save_segmentation(test, pred, ctx.out_dir / "segmentation.png")
    start = f"backbone from {cfg.weights}" if cfg.weights else "backbone from scratch"
    if weights and not cfg.weights:
        start = "backbone pretrained by dive on the 1,000 Kaggle CIFAR-10 photos"
    summary = (
        f"test pixel acc {scores['pixel_acc']:.3f}, mIoU {scores['miou']:.3f} (majority-class floor "
        f"{floor['pixel_acc']:.3f}, {floor['miou']:.3f}); {start}; {metrics['examples_per_sec']:.1f} pixels/sec"
    )
    worst = sorted((v, n) for n, v in zip(CAMVID_CLASSES, scores["iou"]) if v == v)[:3]
    summary += "\nlowest IoU: " + ", ".join(f"{n} {v:.2f}" for v, n in worst)
    return RunResult.of(metrics, summary)


BOOK = FCNConfig()
MEASURED = "measured, 2 CPU cores, backbone from scratch"
SCRATCH = replace(BOOK, optimizer="adam", lr=1e-3, weight_decay=1e-4)
recipe("fcn-camvid", section="14.11 Fully Convolutional Networks (real CamVid street frames)", dataset="camvid",
       metric="test_pixel_acc", run=run, model=FCN_PART, data=FCN_DATA,
       # the book's setup is its fine-tuning from ImageNet weights (--weights PATH): from scratch here it barely moves
       # (15 SGD steps: pixel acc 0.287, mIoU 0.071, floor 0.270 / 0.025, 108 s on 2 CPU cores)
       book=Profile(BOOK, band=(0.80, 0.90), minutes=3, source="book §14.11.3: test pixel acc 0.854 on VOC2012 with "
                    "ImageNet weights"),
       # 250 Adam steps of 8 frames from scratch: pixel acc 0.756 / 0.721, mIoU 0.312 / 0.284 (seeds 0, 1), 145 s
       quick=Profile(replace(SCRATCH, height=192, width=256, batch_size=8, max_epochs=25), band=(0.65, 0.82),
                     minutes=3.5, source=MEASURED),
       tiny=Profile(replace(SCRATCH, synthetic=True, height=64, width=64, batch_size=4, max_epochs=2, lr=1e-2)),
)  # fmt: skip
