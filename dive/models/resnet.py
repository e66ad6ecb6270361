"""ResNet (book §8.6) and the ResNeXt block: learn the residual f(x) - x, so a block can always fall back to identity.

    Residual:  Y = ReLU(BN(conv3x3(ReLU(BN(conv3x3(X))))) + shortcut(X))

The shortcut is X itself, or a 1x1 convolution (with the same stride) when the channels or the size change.
ResNet-18 for Fashion-MNIST at 96x96 (book): (n, 1, 96, 96) -stem 7x7 s2 + pool-> (n, 64, 24, 24)
-> 64 ch 24x24 -> 128 ch 12x12 -> 256 ch 6x6 -> 512 ch 3x3 -global avg-> (n, 512) -> 10.
`resnet-small` keeps the 4 x 2 blocks with a quarter of the widths and a 3x3 stem, for 28x28 on a CPU.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn
from torch.nn import functional as F

from dive.models.registry import register_model


class Residual(nn.Module):
    """(n, in_channels, h, w) -> (n, num_channels, h / strides, w / strides)."""

    def __init__(self, in_channels: int, num_channels: int, use_1x1conv: bool = False, strides: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(in_channels, num_channels, kernel_size=1, stride=strides) if use_1x1conv else None
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)

    def forward(self, X: Tensor) -> Tensor:
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3 is not None:
            X = self.conv3(X)
        return F.relu(Y + X)


def resnet_block(in_channels: int, num_channels: int, num_residuals: int, first_block: bool = False) -> nn.Sequential:
    """A stage of residual blocks; all but the first stage halve the size and change channels in their first block."""
    blocks = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blocks.append(Residual(in_channels, num_channels, use_1x1conv=True, strides=2))
        else:
            blocks.append(Residual(num_channels if i else in_channels, num_channels))
    return nn.Sequential(*blocks)


@register_model("resnet18", input_shape=(1, 96, 96))
class ResNet18(nn.Module):
    """forward(X (n, in_channels, h, w)) -> logits. Four stages of two residual blocks; `channels` per stage."""

    def __init__(
        self,
        num_classes: int = 10,
        in_channels: int = 1,
        channels: Sequence[int] = (64, 128, 256, 512),
        small_stem: bool = False,
        stem_pool: bool = True,
    ) -> None:
        super().__init__()
        c0 = channels[0]
        stem_conv = (
            nn.Conv2d(in_channels, c0, kernel_size=3, padding=1)
            if small_stem
            else nn.Conv2d(in_channels, c0, kernel_size=7, stride=2, padding=3)
        )
        stages = [resnet_block(c0, c0, 2, first_block=True)]
        stages += [resnet_block(a, b, 2) for a, b in zip(channels, channels[1:])]
        self.net = nn.Sequential(
            nn.Sequential(
                stem_conv,
                nn.BatchNorm2d(c0),
                nn.ReLU(),
                *([nn.MaxPool2d(kernel_size=3, stride=2, padding=1)] if stem_pool else []),
            ),
            *stages,
            nn.AdaptiveAvgPool2d((1, 1)),
            nn.Flatten(),
            nn.Linear(channels[-1], num_classes),
        )

    def forward(self, X: Tensor) -> Tensor:
        return self.net(X)


@register_model("resnet18-cifar", input_shape=(3, 32, 32))
def resnet18_cifar(num_classes: int = 10) -> ResNet18:
    """The book's §13.6 ResNet-18 for 32x32 colour images (used in §14.1 and §14.13): a 3x3 stem and no
    max-pool, so the four stages see 32, 16, 8 and 4 pixels."""
    return ResNet18(num_classes, in_channels=3, small_stem=True, stem_pool=False)


@register_model("resnet-small", input_shape=(1, 28, 28))
def resnet_small(num_classes: int = 10) -> ResNet18:
    """ResNet-18's 4 x 2 residual blocks with widths (16, 32, 64, 128) and a 3x3 stem: 28 -> 14 -> 7 -> 4 -> 2."""
    return ResNet18(num_classes, channels=(16, 32, 64, 128), small_stem=True)


class ResNeXtBlock(nn.Module):
    """The ResNeXt block (book §8.6.5): 1x1 -> grouped 3x3 -> 1x1, with a residual connection.

    (n, in_channels, h, w) -> (n, num_channels, h / strides, w / strides). The bottleneck has
    round(num_channels * bot_mul) channels split into `groups` independent groups, which costs 1/groups of a full
    3x3 convolution.
    """

    def __init__(
        self,
        in_channels: int,
        num_channels: int,
        groups: int,
        bot_mul: float,
        use_1x1conv: bool = False,
        strides: int = 1,
    ) -> None:
        super().__init__()
        bot = int(round(num_channels * bot_mul))
        if bot % groups:
            raise ValueError(f"bottleneck channels {bot} must be divisible by groups={groups}")
        self.conv1 = nn.Conv2d(in_channels, bot, kernel_size=1)
        self.conv2 = nn.Conv2d(bot, bot, kernel_size=3, stride=strides, padding=1, groups=groups)
        self.conv3 = nn.Conv2d(bot, num_channels, kernel_size=1)
        self.bn1, self.bn2, self.bn3 = nn.BatchNorm2d(bot), nn.BatchNorm2d(bot), nn.BatchNorm2d(num_channels)
        self.shortcut = None
        if use_1x1conv:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, num_channels, kernel_size=1, stride=strides), nn.BatchNorm2d(num_channels)
            )
        elif in_channels != num_channels or strides != 1:
            raise ValueError("changing channels or size needs use_1x1conv=True")

    def forward(self, X: Tensor) -> Tensor:
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = F.relu(self.bn2(self.conv2(Y)))
        Y = self.bn3(self.conv3(Y))
        return F.relu(Y + (self.shortcut(X) if self.shortcut is not None else X))


@register_model("resnext-small", input_shape=(1, 28, 28))
class ResNeXtSmall(nn.Module):
    """A small network of ResNeXt blocks (32 groups-of-4 style, here 8 groups) for the registry-wide tests."""

    def __init__(self, num_classes: int = 10, in_channels: int = 1) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, 32, kernel_size=3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),  # 28 -> 14
            ResNeXtBlock(32, 32, groups=8, bot_mul=1),
            ResNeXtBlock(32, 64, groups=8, bot_mul=0.5, use_1x1conv=True, strides=2),  # 14 -> 7
            nn.AdaptiveAvgPool2d((1, 1)),
            nn.Flatten(),
            nn.Linear(64, num_classes),
        )

    def forward(self, X: Tensor) -> Tensor:
        return self.net(X)
