"""A fully convolutional network (book §14.11): a class score for every pixel, at the input's own size.

The book's FCN keeps a ResNet-18 up to its last convolutional stage (stride 32, 512 channels; the global pooling
and the fully connected layer go), maps the 512 channels to the classes with a 1x1 convolution, and enlarges the
class map x32 with one transposed convolution (kernel 64, stride 32, padding 16) that starts as bilinear
interpolation (`dive.nn.bilinear_kernel`). Input height and width must be multiples of 32 for the output to match.

The backbone's modules carry torchvision's names (conv1, bn1, layer1, ...), so a torchvision ResNet-18 state
dict (ImageNet weights, the book's starting point) loads into it: `load_backbone`.

The segmenter interface: `forward(X (B, 3, H, W)) -> logits (B, num_classes, H, W)`.
"""

from __future__ import annotations

import os
from collections import OrderedDict

import torch
from torch import Tensor, nn

from dive.models.registry import register_model
from dive.nn import bilinear_kernel, load_pretrained

BACKBONE_PARTS = ("conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4")


@register_model("fcn-resnet18", (3, 320, 480), task="segmentation")
class FCN(nn.Module):
    def __init__(self, num_classes: int = 21) -> None:
        import torchvision

        super().__init__()
        net = torchvision.models.resnet18(weights=None)
        self.backbone = nn.Sequential(OrderedDict((name, getattr(net, name)) for name in BACKBONE_PARTS))
        self.final_conv = nn.Conv2d(512, num_classes, kernel_size=1)
        self.transpose_conv = nn.ConvTranspose2d(num_classes, num_classes, kernel_size=64, padding=16, stride=32)
        with torch.no_grad():
            self.transpose_conv.weight.copy_(bilinear_kernel(num_classes, num_classes, 64))
            self.transpose_conv.bias.zero_()

    def forward(self, X: Tensor) -> Tensor:
        if X.shape[-2] % 32 or X.shape[-1] % 32:
            raise ValueError(f"FCN input height and width must be multiples of 32, got {tuple(X.shape[-2:])}")
        return self.transpose_conv(self.final_conv(self.backbone(X)))

    def load_backbone(self, path: str | os.PathLike) -> int:
        """Load a torchvision ResNet-18 state dict (.pth or .safetensors; `fc.*` ignored) into the backbone,
        safely and all or nothing (`dive.nn.load_pretrained`). Returns the number of tensors loaded."""
        return load_pretrained(path, self.backbone, skip=("fc.",), what="torchvision ResNet-18 backbone")
