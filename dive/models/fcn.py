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

from dive.core import DiveError
from dive.models.registry import register_model
from dive.nn import bilinear_kernel

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
        """Load a torchvision ResNet-18 state dict (a .pth file; `fc.*` ignored) into the backbone, safely
        (`weights_only=True`: a pickle carrying code is refused). Returns the number of tensors loaded."""
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except FileNotFoundError:
            raise DiveError(f"no weights file at {path}") from None
        except Exception as e:  # noqa: BLE001 - an unsafe pickle or a file that is not a state dict
            raise DiveError(f"{path} is not a plain state dict of tensors ({type(e).__name__}); not loaded") from None
        if not isinstance(state, dict):
            raise DiveError(f"{path} holds a {type(state).__name__}, not a state dict")
        state = {k: v for k, v in state.items() if not k.startswith("fc.")}
        own = self.backbone.state_dict()
        missing = sorted(set(own) - set(state))
        wrong = [k for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
        if missing or wrong or len(state) != len(own):
            extra = sorted(set(state) - set(own))
            detail = missing[:3] or wrong[:3] or extra[:3]
            raise DiveError(f"{path} is not a torchvision ResNet-18 state dict (e.g. {detail}); not loaded")
        self.backbone.load_state_dict(state)
        return len(state)
