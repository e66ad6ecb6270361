"""The model registry: name -> builder. `dive list`-style tools and the registry-wide tests iterate over it.

Each entry records a builder and the example input shape it expects, so a generic test can build every model,
run forward and backward, and check for NaN without knowing anything about it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from dive.core import Registry


@dataclass(frozen=True)
class ModelEntry:
    """`build(**kwargs) -> nn.Module`; `input_shape` is one example's shape (without the batch dimension)."""

    build: Callable[..., nn.Module]
    input_shape: tuple[int, ...]
    # or "regression", "language-model", "encoder-decoder", "detector", "generator", "discriminator"
    task: str = "classification"


MODELS: Registry[ModelEntry] = Registry("model")


def register_model(name: str, input_shape: tuple[int, ...], task: str = "classification"):
    """Decorator: register a model class or builder function under `name`."""

    def decorate(builder: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        MODELS.add(name, ModelEntry(builder, input_shape, task))
        return builder

    return decorate
