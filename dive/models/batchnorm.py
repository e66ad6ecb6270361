"""LeNet with batch normalization, concise (book §8.5.5): `nn.BatchNorm2d` after each convolution,
`nn.BatchNorm1d` after each hidden dense layer, before the sigmoid.

(n, 1, 28, 28) -conv5-> (n, 6, 24, 24) -pool-> 12 -conv5-> (n, 16, 8, 8) -pool-> (n, 16, 4, 4) -> 256 -> 120 -> 84.
The scratch sibling is `dive.scratch.BNLeNetScratch`; a test copies weights between the two and compares outputs.
"""

from __future__ import annotations

from torch import Tensor, nn

from dive.models.registry import register_model


@register_model("bn-lenet", input_shape=(1, 28, 28))
class BNLeNet(nn.Module):
    """forward(X (n, 1, 28, 28)) -> logits (n, num_classes)."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5),
            nn.BatchNorm2d(6),
            nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5),
            nn.BatchNorm2d(16),
            nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.Linear(16 * 4 * 4, 120),  # 16 channels x 4x4
            nn.BatchNorm1d(120),
            nn.Sigmoid(),
            nn.Linear(120, 84),
            nn.BatchNorm1d(84),
            nn.Sigmoid(),
            nn.Linear(84, num_classes),
        )

    def forward(self, X: Tensor) -> Tensor:
        return self.net(X)
