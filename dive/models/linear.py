"""Concise linear models (book §3.5, §4.5): `nn.Linear` does the work."""

from __future__ import annotations

from torch import Tensor, nn

from dive.models.registry import register_model


@register_model("linear-regression", input_shape=(2,), task="regression")
class LinearRegression(nn.Module):
    """forward(X (n, num_inputs)) -> (n, 1); weights ~ N(0, 0.01^2), bias 0 as in the book."""

    def __init__(self, num_inputs: int = 2) -> None:
        super().__init__()
        self.net = nn.Linear(num_inputs, 1)
        nn.init.normal_(self.net.weight, std=0.01)
        nn.init.zeros_(self.net.bias)

    def forward(self, X: Tensor) -> Tensor:
        return self.net(X)


@register_model("softmax-regression", input_shape=(1, 28, 28))
class SoftmaxRegression(nn.Module):
    """forward(X (n, 1, 28, 28)) -> logits (n, num_outputs): flatten, then one linear layer."""

    def __init__(self, num_inputs: int = 28 * 28, num_outputs: int = 10) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(num_inputs, num_outputs))

    def forward(self, X: Tensor) -> Tensor:
        return self.net(X)
