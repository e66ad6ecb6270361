"""Network in Network (book §8.3): a convolution followed by two 1x1 convolutions, and no dense layers at all.

The 1x1 convolutions act as a per-pixel MLP across channels. The last NiN block has one channel per class and
global average pooling turns each channel into a logit, which removes AlexNet's huge dense layers.
As in the book, that last block ends in a ReLU, so a logit is never below 0: a class whose channel goes dead (all
zeros) early in training is never predicted again, and accuracy stalls. `confusion.png` of a run shows it.
Book sizes: (n, 1, 224, 224) -nin 11x11 s4-> (n, 96, 54, 54) -pool-> 26 -nin 5x5-> 256 ch -pool-> 12
-nin 3x3-> 384 ch -pool-> 5 -dropout-> nin 3x3 -> (n, 10, 5, 5) -global avg-> (n, 10).
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from dive.models.registry import register_model


def nin_block(in_channels: int, out_channels: int, kernel_size: int, stride: int, padding: int) -> nn.Sequential:
    """conv(kernel_size) -> ReLU -> 1x1 conv -> ReLU -> 1x1 conv -> ReLU."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding),
        nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1),
        nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1),
        nn.ReLU(),
    )


@register_model("nin", input_shape=(1, 224, 224))
class NiN(nn.Module):
    """forward(X (n, in_channels, h, w)) -> logits (n, num_classes); any input size the pools fit."""

    def __init__(
        self,
        num_classes: int = 10,
        in_channels: int = 1,
        channels: Sequence[int] = (96, 256, 384),
        stem: tuple[int, int, int] = (11, 4, 0),
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        c1, c2, c3 = channels
        self.net = nn.Sequential(
            nin_block(in_channels, c1, *stem),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nin_block(c1, c2, kernel_size=5, stride=1, padding=2),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nin_block(c2, c3, kernel_size=3, stride=1, padding=1),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Dropout(dropout),
            nin_block(c3, num_classes, kernel_size=3, stride=1, padding=1),
            nn.AdaptiveAvgPool2d((1, 1)),  # global average pooling: one value per class channel
            nn.Flatten(),
        )

    def forward(self, X: Tensor) -> Tensor:
        return self.net(X)


@register_model("nin-small", input_shape=(1, 28, 28))
def nin_small(num_classes: int = 10) -> NiN:
    """NiN on 28x28: 3x3 stride-1 stem, widths (16, 32, 48): 28 -> 13 -> 6 -> 2 before the class block."""
    return NiN(num_classes, channels=(16, 32, 48), stem=(3, 1, 1))
