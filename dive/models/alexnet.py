"""AlexNet (book §8.1): five convolutions and three dense layers, ReLU, max pooling and dropout.

Book sizes, for Fashion-MNIST upsampled to 224x224 (the book's trick to make a 28x28 dataset ImageNet-shaped):
(n, 1, 224, 224) -conv11 s4 p1-> (n, 96, 54, 54) -pool3 s2-> 26 -conv5 p2-> (n, 256, 26, 26) -pool-> 12
-conv3 x3-> (n, 256, 12, 12) -pool-> (n, 256, 5, 5) -> 6400 -> 4096 -> 4096 -> 10.
`alexnet-small` keeps the shape of the network for 28x28 inputs on a CPU: a 3x3 stride-1 stem and 1/6 the width.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from dive.models.heads import dropout_head
from dive.models.registry import register_model
from dive.nn import Flatten, conv_out_size


@register_model("alexnet", input_shape=(1, 224, 224))
class AlexNet(nn.Module):
    """forward(X (n, in_channels, input_size, input_size)) -> logits (n, num_classes).

    `stem` is the first convolution's (kernel, stride, padding); `channels` the five convolutions' widths.
    """

    def __init__(
        self,
        num_classes: int = 10,
        in_channels: int = 1,
        input_size: int = 224,
        channels: Sequence[int] = (96, 256, 384, 384, 256),
        num_hiddens: int = 4096,
        stem: tuple[int, int, int] = (11, 4, 1),
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        c1, c2, c3, c4, c5 = channels
        k, s, p = stem
        size = conv_out_size(input_size, k, p, s)
        size = conv_out_size(size, 3, 0, 2)  # pool; the 5x5 convolution keeps the size
        size = conv_out_size(size, 3, 0, 2)  # pool; the three 3x3 convolutions keep it
        size = conv_out_size(size, 3, 0, 2)  # pool
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, c1, kernel_size=k, stride=s, padding=p),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(c1, c2, kernel_size=5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(c2, c3, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c3, c4, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c4, c5, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            Flatten(),  # its gradient back in the input's layout (dive.nn.layout)
            *dropout_head(c5 * size * size, num_hiddens, num_classes, dropout),  # 6400 = 256 x 5 x 5 at 224x224
        )

    def forward(self, X: Tensor) -> Tensor:
        return self.net(X)


@register_model("alexnet-small", input_shape=(1, 28, 28))
def alexnet_small(num_classes: int = 10) -> AlexNet:
    """AlexNet for 28x28 on a CPU: 3x3 stem, widths (16, 48, 64, 64, 48), 512 hidden units; 2x2 maps before the MLP."""
    return AlexNet(num_classes, 1, 28, channels=(16, 48, 64, 64, 48), num_hiddens=512, stem=(3, 1, 1))
