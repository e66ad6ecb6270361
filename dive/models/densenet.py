"""DenseNet (book §8.7): each convolution sees the concatenation of every earlier output in its block.

    dense block: X -> [X, f1(X)] -> [X, f1, f2([X, f1])] -> ...   (channels grow by `growth_rate` per conv)
    transition:  BN -> ReLU -> 1x1 conv (halve the channels) -> 2x2 average pool (halve the size)

Book: a ResNet-like stem (64 channels, 96x96 -> 24x24), four dense blocks of four convolutions with growth 32,
transitions between them, then BN -> ReLU -> global average pool -> 10. `densenet-small`: 3x3 stem with 16
channels and growth 12 for 28x28.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from dive.models.registry import register_model


def conv_block(in_channels: int, num_channels: int) -> nn.Sequential:
    """BN -> ReLU -> 3x3 conv: the pre-activation order DenseNet uses."""
    return nn.Sequential(
        nn.BatchNorm2d(in_channels), nn.ReLU(), nn.Conv2d(in_channels, num_channels, kernel_size=3, padding=1)
    )


class DenseBlock(nn.Module):
    """(n, in_channels, h, w) -> (n, in_channels + num_convs * growth_rate, h, w)."""

    def __init__(self, num_convs: int, in_channels: int, growth_rate: int) -> None:
        super().__init__()
        self.net = nn.ModuleList(conv_block(in_channels + i * growth_rate, growth_rate) for i in range(num_convs))
        self.out_channels = in_channels + num_convs * growth_rate

    def forward(self, X: Tensor) -> Tensor:
        for blk in self.net:
            X = torch.cat((X, blk(X)), dim=1)  # concatenate on channels
        return X


def transition_block(in_channels: int, num_channels: int) -> nn.Sequential:
    """(n, in_channels, h, w) -> (n, num_channels, h / 2, w / 2): keeps DenseNet's growing width in check."""
    return nn.Sequential(
        nn.BatchNorm2d(in_channels),
        nn.ReLU(),
        nn.Conv2d(in_channels, num_channels, kernel_size=1),
        nn.AvgPool2d(kernel_size=2, stride=2),
    )


@register_model("densenet", input_shape=(1, 96, 96))
class DenseNet(nn.Module):
    """forward(X (n, in_channels, h, w)) -> logits (n, num_classes)."""

    def __init__(
        self,
        num_classes: int = 10,
        in_channels: int = 1,
        num_channels: int = 64,
        growth_rate: int = 32,
        arch: Sequence[int] = (4, 4, 4, 4),
        small_stem: bool = False,
    ) -> None:
        super().__init__()
        stem_conv = (
            nn.Conv2d(in_channels, num_channels, kernel_size=3, padding=1)
            if small_stem
            else nn.Conv2d(in_channels, num_channels, kernel_size=7, stride=2, padding=3)
        )
        layers: list[nn.Module] = [
            stem_conv,
            nn.BatchNorm2d(num_channels),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        ]
        for i, num_convs in enumerate(arch):
            block = DenseBlock(num_convs, num_channels, growth_rate)
            layers.append(block)
            num_channels = block.out_channels
            if i != len(arch) - 1:  # halve the channels between blocks
                layers.append(transition_block(num_channels, num_channels // 2))
                num_channels //= 2
        layers += [
            nn.BatchNorm2d(num_channels),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d((1, 1)),
            nn.Flatten(),
            nn.Linear(num_channels, num_classes),  # 248 channels with the book's sizes
        ]
        self.net = nn.Sequential(*layers)

    def forward(self, X: Tensor) -> Tensor:
        return self.net(X)


@register_model("densenet-small", input_shape=(1, 28, 28))
def densenet_small(num_classes: int = 10) -> DenseNet:
    """DenseNet for 28x28: 16-channel 3x3 stem, growth 12, blocks (4, 4, 4, 4): 28 -> 14 -> 7 -> 3 -> 1."""
    return DenseNet(num_classes, num_channels=16, growth_rate=12, small_stem=True)
