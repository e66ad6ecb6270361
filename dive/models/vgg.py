"""VGG (book §8.2): networks built from repeated blocks of 3x3 convolutions followed by a 2x2 max pool.

Each `vgg_block` halves the height and width; VGG-11 has five blocks, (n, 1, 224, 224) -> (n, 512, 7, 7),
then 25088 -> 4096 -> 4096 -> 10. The book trains a slim variant with a quarter of the channels on
Fashion-MNIST at 224x224 (`vgg-slim`); `vgg-small` is three narrow blocks on 28x28 for a CPU.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from dive.models.heads import dropout_head
from dive.models.registry import register_model
from dive.nn import Flatten

VGG11_ARCH = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))  # (number of convolutions, output channels)


def vgg_block(num_convs: int, in_channels: int, out_channels: int) -> nn.Sequential:
    """num_convs x (3x3 conv, padding 1 -> ReLU), then 2x2 max pool: (n, c_in, h, w) -> (n, c_out, h/2, w/2)."""
    layers: list[nn.Module] = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.ReLU()]
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """forward(X (n, in_channels, input_size, input_size)) -> logits. `arch`: ((num_convs, channels), ...)."""

    def __init__(
        self,
        arch: Sequence[tuple[int, int]] = VGG11_ARCH,
        num_classes: int = 10,
        in_channels: int = 1,
        input_size: int = 224,
        num_hiddens: int = 4096,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        blocks = []
        for num_convs, out_channels in arch:
            blocks.append(vgg_block(num_convs, in_channels, out_channels))
            in_channels = out_channels
        size = input_size // 2 ** len(arch)  # each block halves the size (flooring)
        self.net = nn.Sequential(
            *blocks,
            Flatten(),  # its gradient back in the input's layout (dive.nn.layout)
            *dropout_head(
                in_channels * size * size, num_hiddens, num_classes, dropout
            ),  # 512 x 7 x 7 for VGG-11 at 224x224
        )

    def forward(self, X: Tensor) -> Tensor:
        return self.net(X)


@register_model("vgg11", input_shape=(1, 224, 224))
def vgg11(num_classes: int = 10) -> VGG:
    """VGG-11, the book's full-width architecture (128.8M parameters at 224x224)."""
    return VGG(VGG11_ARCH, num_classes)


@register_model("vgg-slim", input_shape=(1, 224, 224))
def vgg_slim(num_classes: int = 10, ratio: int = 4) -> VGG:
    """The book's training model: VGG-11 with every width divided by `ratio` (4), at 224x224."""
    return VGG([(n, c // ratio) for n, c in VGG11_ARCH], num_classes)


@register_model("vgg-small", input_shape=(1, 28, 28))
def vgg_small(num_classes: int = 10) -> VGG:
    """Three blocks (1x16, 1x32, 2x64) on 28x28 -> (n, 64, 3, 3), 256 hidden units: VGG's shape for a CPU."""
    return VGG(((1, 16), (1, 32), (2, 64)), num_classes, input_size=28, num_hiddens=256)
