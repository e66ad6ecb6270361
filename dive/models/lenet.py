"""LeNet-5 (book §7.6), the book's version with sigmoid and average pooling, and a modern ReLU + max-pool one.

(n, 1, 28, 28) -conv5x5 pad 2-> (n, 6, 28, 28) -pool-> (n, 6, 14, 14) -conv5x5-> (n, 16, 10, 10)
-pool-> (n, 16, 5, 5) -flatten-> 400 -> 120 -> 84 -> 10

In channels_last on a CPU (the recipe's default), the book's version computes its first stage (conv, sigmoid,
pool) on the image's 2x2 phases (`dive.nn.phase_conv`): the same function and parameters, 1.1x the step's speed.
"""

from __future__ import annotations

from torch import Tensor, nn

from dive.models.registry import register_model
from dive.nn import Conv2dNCHWInputGrad, Flatten, conv_sigmoid_avgpool


@register_model("lenet", input_shape=(1, 28, 28))
class LeNet(nn.Module):
    """forward(X (n, 1, 28, 28)) -> logits (n, num_classes). `modern=True`: ReLU and max pooling."""

    def __init__(self, num_classes: int = 10, modern: bool = False) -> None:
        super().__init__()
        self.modern = modern
        act = nn.ReLU if modern else nn.Sigmoid
        pool = nn.MaxPool2d if modern else nn.AvgPool2d
        self.net = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2),
            act(),
            pool(kernel_size=2, stride=2),
            Conv2dNCHWInputGrad(6, 16, kernel_size=5),  # nn.Conv2d, its input gradient faster (dive.nn.layout)
            act(),
            pool(kernel_size=2, stride=2),
            Flatten(),  # its gradient back in the input's layout (dive.nn.layout)
            nn.Linear(16 * 5 * 5, 120),  # 16 channels x 5x5 after two pools
            act(),
            nn.Linear(120, 84),
            act(),
            nn.Linear(84, num_classes),
        )

    def forward(self, X: Tensor) -> Tensor:
        if self._on_phases(X):
            conv = self.net[0]
            return self.net[3:](conv_sigmoid_avgpool(X, conv.weight, conv.bias))  # = net[:3](X), faster here
        return self.net(X)

    def _on_phases(self, X: Tensor) -> bool:
        """The book's version, put in channels_last (the second convolution's weights say so), on a CPU."""
        w = self.net[3].weight
        return not self.modern and X.device.type == "cpu" and X.shape[-2:] == (28, 28) and not w.is_contiguous()


@register_model("lenet-modern", input_shape=(1, 28, 28))
def lenet_modern(num_classes: int = 10) -> LeNet:
    """LeNet with ReLU and max pooling."""
    return LeNet(num_classes=num_classes, modern=True)
