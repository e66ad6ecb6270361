"""Multilayer perceptrons from scratch (book §5.1-5.2, 5.6): activations, the MLP, inverted dropout, L2, Xavier.

H = phi(X W1 + b1),   O = H W2 + b2
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn


def relu(X: Tensor) -> Tensor:
    """max(x, 0), elementwise."""
    return torch.maximum(X, torch.zeros_like(X))


def sigmoid(X: Tensor) -> Tensor:
    """1 / (1 + exp(-x)), elementwise."""
    return 1 / (1 + torch.exp(-X))


def tanh(X: Tensor) -> Tensor:
    """(1 - exp(-2x)) / (1 + exp(-2x)), elementwise."""
    e = torch.exp(-2 * X)
    return (1 - e) / (1 + e)


ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {"relu": relu, "sigmoid": sigmoid, "tanh": tanh}


def dropout_layer(X: Tensor, p: float, generator: torch.Generator | None = None) -> Tensor:
    """Inverted dropout (book §5.6.2): zero each entry with probability p, scale the rest by 1 / (1 - p).

    Scaling during training keeps E[output] = X, so evaluation needs no change.
    """
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if p == 1:
        return torch.zeros_like(X)
    mask = (torch.rand(X.shape, generator=generator, device=X.device) > p).to(X.dtype)
    return mask * X / (1.0 - p)


def l2_penalty(w: Tensor) -> Tensor:
    """||w||^2 / 2 (book §3.7.1); adding lambda * l2_penalty to the loss is weight decay with rate lambda."""
    return (w**2).sum() / 2


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Fill a (fan_out, fan_in) or (fan_in, fan_out) matrix from U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)).

    Keeps the variance of activations and gradients about constant across layers (book §5.4.2).
    """
    fan_a, fan_b = tensor.shape[0], tensor.shape[1]
    a = gain * math.sqrt(6.0 / (fan_a + fan_b))
    with torch.no_grad():
        return tensor.uniform_(-a, a)


class MLPScratch(nn.Module):
    """An MLP with hidden sizes `num_hiddens`, activation by name, optional dropout after each hidden layer.

    forward(X (n, 1, 28, 28) or (n, num_inputs)) -> logits (n, num_outputs). Weights ~ N(0, sigma^2) as in the book.
    """

    def __init__(
        self,
        num_inputs: int,
        num_outputs: int,
        num_hiddens: Sequence[int] = (256,),
        activation: str = "relu",
        dropouts: Sequence[float] = (),
        sigma: float = 0.01,
    ) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
        if dropouts and len(dropouts) != len(num_hiddens):
            raise ValueError("give one dropout probability per hidden layer")
        sizes = [num_inputs, *num_hiddens, num_outputs]
        self.weights = nn.ParameterList(nn.Parameter(torch.randn(a, b) * sigma) for a, b in zip(sizes, sizes[1:]))
        self.biases = nn.ParameterList(nn.Parameter(torch.zeros(b)) for b in sizes[1:])
        self.activation = activation
        self.dropouts = tuple(dropouts) or (0.0,) * len(num_hiddens)
        self.num_inputs = num_inputs

    def forward(self, X: Tensor) -> Tensor:
        H = X.reshape(-1, self.num_inputs)
        phi = ACTIVATIONS[self.activation]
        for i, (W, b) in enumerate(zip(self.weights, self.biases)):
            H = H @ W + b
            if i < len(self.weights) - 1:  # hidden layers only
                H = phi(H)
                if self.training and self.dropouts[i] > 0:
                    H = dropout_layer(H, self.dropouts[i])
        return H
