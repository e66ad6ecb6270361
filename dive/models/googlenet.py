"""GoogLeNet (book §8.4): Inception blocks, four parallel paths concatenated on the channel axis.

    path 1: 1x1 conv                      (c1 channels)
    path 2: 1x1 conv -> 3x3 conv          (c2[0] -> c2[1])
    path 3: 1x1 conv -> 5x5 conv          (c3[0] -> c3[1])
    path 4: 3x3 max pool -> 1x1 conv      (c4)
    output: c1 + c2[1] + c3[1] + c4 channels, same height and width

The 1x1 convolutions before the 3x3 and 5x5 ones shrink the channels, which is what keeps the block cheap.
The book trains it on Fashion-MNIST at 96x96: (n, 1, 96, 96) -b1-> (n, 64, 24, 24) -b2-> (n, 192, 12, 12)
-b3-> (n, 480, 6, 6) -b4-> (n, 832, 3, 3) -b5-> (n, 1024) -> 10.
`googlenet-small` divides every width by 8 and replaces the stride-2 7x7 stem by a 3x3 one for 28x28 inputs.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from dive.models.registry import register_model

# (c1, (c2 reduce, c2), (c3 reduce, c3), c4) per Inception block, in the book's order, grouped by stage
B3 = ((64, (96, 128), (16, 32), 32), (128, (128, 192), (32, 96), 64))
B4 = (
    (192, (96, 208), (16, 48), 64),
    (160, (112, 224), (24, 64), 64),
    (128, (128, 256), (24, 64), 64),
    (112, (144, 288), (32, 64), 64),
    (256, (160, 320), (32, 128), 128),
)
B5 = ((256, (160, 320), (32, 128), 128), (384, (192, 384), (48, 128), 128))


class Inception(nn.Module):
    """(n, in_channels, h, w) -> (n, c1 + c2[1] + c3[1] + c4, h, w)."""

    def __init__(self, in_channels: int, c1: int, c2: tuple[int, int], c3: tuple[int, int], c4: int) -> None:
        super().__init__()
        self.p1 = nn.Sequential(nn.Conv2d(in_channels, c1, kernel_size=1), nn.ReLU())
        self.p2 = nn.Sequential(
            nn.Conv2d(in_channels, c2[0], kernel_size=1),
            nn.ReLU(),
            nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1),
            nn.ReLU(),
        )
        self.p3 = nn.Sequential(
            nn.Conv2d(in_channels, c3[0], kernel_size=1),
            nn.ReLU(),
            nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2),
            nn.ReLU(),
        )
        self.p4 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1),
            nn.Conv2d(in_channels, c4, kernel_size=1),
            nn.ReLU(),
        )
        self.out_channels = c1 + c2[1] + c3[1] + c4

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat((self.p1(x), self.p2(x), self.p3(x), self.p4(x)), dim=1)


def _scale(spec, div: int):
    c1, (r2, c2), (r3, c3), c4 = spec
    return max(c1 // div, 1), (max(r2 // div, 1), max(c2 // div, 1)), (max(r3 // div, 1), max(c3 // div, 1)), c4 // div


@register_model("googlenet", input_shape=(1, 96, 96))
class GoogLeNet(nn.Module):
    """forward(X (n, in_channels, h, w)) -> logits (n, num_classes).

    `div` divides every width; `small_stem` replaces the stride-2 7x7 stem by a 3x3 one before its pool (28x28).
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, div: int = 1, small_stem: bool = False) -> None:
        super().__init__()
        c64, c192 = 64 // div, 192 // div
        if small_stem:  # 28x28: a 3x3 conv and one pool, 28 -> 14
            b1 = nn.Sequential(
                nn.Conv2d(in_channels, c64, kernel_size=3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
            )
        else:
            b1 = nn.Sequential(
                nn.Conv2d(in_channels, c64, kernel_size=7, stride=2, padding=3),
                nn.ReLU(),
                nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
            )
        b2 = nn.Sequential(
            nn.Conv2d(c64, c64, kernel_size=1),
            nn.ReLU(),
            nn.Conv2d(c64, c192, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        )
        stages, channels = [], c192
        for k, specs in enumerate((B3, B4, B5)):
            blocks: list[nn.Module] = []
            for spec in specs:
                block = Inception(channels, *_scale(spec, div))
                channels = block.out_channels
                blocks.append(block)
            if k < 2:
                blocks.append(nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
            else:
                blocks += [nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten()]
            stages.append(nn.Sequential(*blocks))
        self.net = nn.Sequential(b1, b2, *stages, nn.Linear(channels, num_classes))  # 1024 channels at div 1

    def forward(self, X: Tensor) -> Tensor:
        return self.net(X)


@register_model("googlenet-small", input_shape=(1, 28, 28))
def googlenet_small(num_classes: int = 10) -> GoogLeNet:
    """GoogLeNet with an eighth of the widths and a 3x3 stem: 28 -> 14 -> 7 -> 4 -> 2 -> global pool, 128 features."""
    return GoogLeNet(num_classes, div=8, small_stem=True)
