"""models: concise `torch.nn` models, one file per family, registered by name in `MODELS`."""

from dive.models.lenet import LeNet, lenet_modern
from dive.models.linear import LinearRegression, SoftmaxRegression
from dive.models.mlp import MLP, dropout_mlp
from dive.models.registry import MODELS, ModelEntry, register_model

__all__ = [
    "MLP",
    "MODELS",
    "LeNet",
    "LinearRegression",
    "ModelEntry",
    "SoftmaxRegression",
    "dropout_mlp",
    "lenet_modern",
    "register_model",
]
