"""Faster R-CNN (book §14.8.4) from torchvision, sized for a CPU.

A backbone (MobileNetV3-Large with a feature pyramid, torchvision's lightest) feeds a region proposal network:
anchors of several sizes and ratios on every feature-map cell, each scored object/background and offset (as in
§14.4), then NMS keeps the best proposals; RoI align (§14.8) cuts a 7x7 feature of each, and a head classifies it
and refines its box. Everything is trained together: the four losses are the RPN's objectness and box losses and
the head's class and box losses. The CPU sizing: 64 sampled RoIs per image instead of 512 and 300 proposals kept
for training instead of 2,000 (about 5x less head work); no pretrained weights (none are obtainable here).

The torchvision interface: train mode `forward(list of (3, H, W), list of targets) -> {loss name: loss}`, eval mode
`forward(list of images) -> list of {"boxes" pixel corners, "scores", "labels" from 1}`.
"""

from __future__ import annotations

from torch import nn

from dive.models.registry import register_model


@register_model("faster-rcnn-mobilenet", (3, 320, 320), task="detector-torchvision")
def faster_rcnn_mobilenet(num_classes: int = 1, size: int = 320, rois_per_image: int = 64,
                          proposals: int = 300) -> nn.Module:  # fmt: skip
    """`num_classes` object classes (torchvision adds the background); images are resized to size x size."""
    import torchvision

    return torchvision.models.detection.fasterrcnn_mobilenet_v3_large_320_fpn(
        weights=None, weights_backbone=None, num_classes=num_classes + 1, min_size=size, max_size=size,
        box_batch_size_per_image=rois_per_image, rpn_post_nms_top_n_train=proposals,
    )  # fmt: skip
