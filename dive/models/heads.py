"""The dense classifier head AlexNet introduced and VGG kept (book §8.1-8.2): two wide ReLU layers with dropout."""

from __future__ import annotations

from torch import nn


def dropout_head(in_features: int, num_hiddens: int, num_classes: int, dropout: float) -> list[nn.Module]:
    """(n, in_features) -> (n, num_classes): Linear-ReLU-Dropout twice, then the output layer."""
    return [
        nn.Linear(in_features, num_hiddens),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(num_hiddens, num_hiddens),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(num_hiddens, num_classes),
    ]
