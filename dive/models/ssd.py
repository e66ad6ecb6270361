"""Single shot multibox detection, the book's TinySSD (§14.7).

A base network (three halving blocks, 3 -> 16 -> 32 -> 64 channels) and four more scales (halving blocks to 128
channels, then a global max-pool); at each of the five scales a 3x3 convolution predicts, for each of the
n + m - 1 = 4 anchors of every pixel, C + 1 class scores and 4 box offsets. Small anchors sit on the large early
feature maps and large anchors on the small late ones (§14.5), so one forward pass covers every object size.
For a 256x256 input the five maps are 32x32, 16x16, 8x8, 4x4 and 1x1: (1024 + 256 + 64 + 16 + 1) x 4 = 5444 anchors.

The detector interface: `forward(X (B, 3, H, W)) -> (anchors Tensor[1, A, 4] relative corners,
cls_preds Tensor[B, A, C + 1], bbox_preds Tensor[B, A * 4])`.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from dive.models.registry import register_model
from dive.vision import Detections, multibox_prior, nms, offset_inverse

# the book's anchor sizes per scale, growing linearly from 0.2 to 0.88 (the second of each pair is sqrt(s_i s_i+1))
SIZES = ((0.2, 0.272), (0.37, 0.447), (0.54, 0.619), (0.71, 0.79), (0.88, 0.961))
RATIOS = ((1, 2, 0.5),) * 5
NUM_ANCHORS = len(SIZES[0]) + len(RATIOS[0]) - 1  # 4 per pixel


def down_sample_blk(in_channels: int, out_channels: int) -> nn.Sequential:
    """Two 3x3 conv-BN-ReLU layers then a 2x2 max-pool: halves height and width."""
    layers: list[nn.Module] = []
    for _ in range(2):
        layers += [
            nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
        ]
        in_channels = out_channels
    layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


def base_net() -> nn.Sequential:
    """3 -> 16 -> 32 -> 64 channels, each block halving: a 256x256 image becomes a 64-channel 32x32 map."""
    return nn.Sequential(down_sample_blk(3, 16), down_sample_blk(16, 32), down_sample_blk(32, 64))


def flatten_pred(pred: Tensor) -> Tensor:
    """(B, channels, h, w) -> (B, h * w * channels), pixel by pixel, so each pixel's anchors stay together."""
    return torch.flatten(pred.permute(0, 2, 3, 1), start_dim=1)


@register_model("tiny-ssd", input_shape=(3, 256, 256), task="detector")
class TinySSD(nn.Module):
    """The book's TinySSD for `num_classes` object classes (class 0 of the predictions is the background)."""

    def __init__(self, num_classes: int = 1) -> None:
        super().__init__()
        self.num_classes = num_classes
        in_channels = (64, 128, 128, 128, 128)
        self.blocks = nn.ModuleList(
            [base_net(), down_sample_blk(64, 128), down_sample_blk(128, 128), down_sample_blk(128, 128),
             nn.AdaptiveMaxPool2d((1, 1))]
        )  # fmt: skip
        self.cls = nn.ModuleList(
            nn.Conv2d(c, NUM_ANCHORS * (num_classes + 1), kernel_size=3, padding=1) for c in in_channels
        )
        self.bbox = nn.ModuleList(nn.Conv2d(c, NUM_ANCHORS * 4, kernel_size=3, padding=1) for c in in_channels)

    def forward(self, X: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        anchors, cls_preds, bbox_preds = [], [], []
        for i, block in enumerate(self.blocks):
            X = block(X)  # (B, C_i, h_i, w_i)
            anchors.append(multibox_prior(X, SIZES[i], RATIOS[i]))  # (1, h_i * w_i * 4, 4)
            cls_preds.append(flatten_pred(self.cls[i](X)))
            bbox_preds.append(flatten_pred(self.bbox[i](X)))
        cls = torch.cat(cls_preds, dim=1)
        return torch.cat(anchors, dim=1), cls.reshape(cls.shape[0], -1, self.num_classes + 1), torch.cat(bbox_preds, 1)


@torch.inference_mode()
def detect(
    model: nn.Module, X: Tensor, nms_threshold: float = 0.5, top: int = 100, pre_nms: int = 400
) -> list[Detections]:
    """Each image's detections (book §14.7.4): X (B, 3, H, W) float -> per image at most `top` boxes (relative
    corners, clipped to the image), their scores and classes (0-based, background removed), best first.

    As the book's `multibox_detection`: the best class of each anchor, offsets turned into boxes, NMS over all
    classes. Only the `pre_nms` best-scored anchors enter NMS (as torchvision's detectors do): the book sends all
    5444, almost all of them background, through a Python loop."""
    was_training = model.training
    model.eval()
    anchors, cls_preds, bbox_preds = model(X)
    model.train(was_training)
    probs = torch.softmax(cls_preds.float(), dim=2)[..., 1:]  # (B, A, C): background dropped
    result = []
    for p, offsets in zip(probs, bbox_preds.float()):
        conf, cls = p.max(dim=1)
        best = torch.topk(conf, min(pre_nms, conf.numel())).indices
        boxes = offset_inverse(anchors[0, best], offsets.reshape(-1, 4)[best])
        keep = nms(boxes, conf[best], nms_threshold)[:top]
        result.append(Detections(boxes[keep].clamp(0, 1), conf[best][keep], cls[best][keep]))
    return result
