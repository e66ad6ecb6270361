"""Modern CNNs of book chapter 8 (AlexNet, VGG, NiN, GoogLeNet, ResNet, DenseNet) and the ViT (§11.8), Fashion-MNIST.

Each recipe builds a registered model by name, Xavier-initialises it (as the book's `train_ch6` does), and trains
it with minibatch SGD and cross-entropy.
- `book`: the book's model at the book's resolution (224x224 for AlexNet, VGG, NiN; 96x96 for GoogLeNet, ResNet,
  DenseNet), lr, batch size and 10 epochs (the PyTorch edition, 1.0/zh), with its published test accuracy as the
  band. These are GPU-sized: an epoch of VGG at 224x224 takes hours on 2 CPU cores.
- `quick`: the same family scaled for 2 CPU cores (the `-small` models: 28x28 input, narrower channels), fewer
  epochs, channels_last; its band was measured on real Fashion-MNIST.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F

from dive.core import ConfigError
from dive.models import MODELS
from dive.nn import init_xavier
from dive.recipes.base import Profile, RunContext, RunResult, recipe
from dive.recipes.classify import FASHION_DATA, FashionConfig, fashion_part, train_classifier
from dive.train.optim import SGD


@dataclass(frozen=True)
class CNNConfig(FashionConfig):
    """`model` is a name in the model registry; `resize` the input side (0 keeps Fashion-MNIST's 28)."""

    model: str = "alexnet"
    resize: int = 0


def build(cfg: CNNConfig) -> torch.nn.Module:
    return MODELS[cfg.model].build(num_classes=10)


def run(cfg: CNNConfig, ctx: RunContext) -> RunResult:
    entry = MODELS[cfg.model]
    model = build(cfg)
    check_input_size(model, cfg.model, cfg.resize or 28, entry.input_shape)
    model.apply(init_xavier)
    optimizer = SGD(model.parameters(), lr=cfg.lr)
    return train_classifier(cfg, ctx, model, optimizer, F.cross_entropy, resize=cfg.resize or None)


@torch.no_grad()
def check_input_size(model: torch.nn.Module, name: str, side: int, built_for: tuple[int, ...]) -> None:
    """One dry forward at the configured size, so a mismatch is a clear error before any data is loaded."""
    try:
        model.eval()(torch.zeros(1, built_for[0], side, side))
    except RuntimeError as e:
        raise ConfigError(
            f"model {name!r} cannot take {side}x{side} inputs (it is built for {built_for[-2]}x{built_for[-1]}); "
            f"set --resize={built_for[-1]} or choose a model for this size ({e.__class__.__name__})"
        ) from None
    finally:
        model.train()


MEASURED = "measured, 2 CPU cores"
TINY = {"max_epochs": 1, "batch_size": 32, "synthetic": True}  # of the quick config: same model, seconds
BOOK_ED = "book (PyTorch ed.): test acc"


def B(model: str, lr: float, batch_size: int, resize: int) -> CNNConfig:
    """A book config: the book's model at the book's resolution."""
    return CNNConfig(lr=lr, batch_size=batch_size, model=model, resize=resize)


def Q(model: str, lr: float, batch_size: int, max_epochs: int, channels_last: bool = True) -> CNNConfig:
    """A quick config: the family's `-small` model at 28x28."""
    return CNNConfig(lr=lr, batch_size=batch_size, max_epochs=max_epochs, model=model, channels_last=channels_last)


# One row per recipe: name, section, book config, band and the book's result (the PyTorch edition, 10 epochs),
# quick config, band and minutes (measured on 2 CPU cores: the measurement is in the comment above the row).
CNN_TABLE = (
    # quick: 0.860 after 4 epochs, 205 s
    ("alexnet", "8.1 Deep Convolutional Neural Networks (AlexNet)", B("alexnet", 0.01, 128, 224), (0.83, 0.89),
     "0.88 after 10 epochs at 224x224, lr 0.01", Q("alexnet-small", 0.05, 128, 4), (0.83, 0.89), 3.5),
    # quick: 0.842 after 4 epochs, 178 s
    ("vgg", "8.2 Networks Using Blocks (VGG)", B("vgg-slim", 0.05, 128, 224), (0.89, 0.92),
     "0.92 after 10 epochs, VGG-11 with 1/4 of the channels at 224x224, lr 0.05",
     Q("vgg-small", 0.05, 128, 4), (0.80, 0.88), 3.0),
    # quick: 0.542 after 4 epochs, 150 s; 3 classes die behind the final ReLU (lr 0.05: 0.509)
    ("nin", "8.3 Network in Network (NiN)", B("nin", 0.1, 128, 224), (0.79, 0.87),
     "0.79 after 10 epochs at 224x224, lr 0.1", Q("nin-small", 0.1, 128, 4), (0.45, 0.65), 2.5),
    # quick: 0.791 after 3 epochs, 144 s
    ("googlenet", "8.4 Multi-Branch Networks (GoogLeNet)", B("googlenet", 0.1, 128, 96), (0.80, 0.89),
     "0.89 after 10 epochs at 96x96, lr 0.1", Q("googlenet-small", 0.1, 128, 3), (0.72, 0.85), 2.5),
    # quick: 0.887 after 3 epochs, 149 s
    ("resnet", "8.6 Residual Networks (ResNet) and ResNeXt", B("resnet18", 0.05, 256, 96), (0.89, 0.91),
     "0.89 after 10 epochs at 96x96, lr 0.05", Q("resnet-small", 0.05, 256, 3), (0.85, 0.91), 3.0),
    # quick: 0.804 after 3 epochs (0.835 after 2: the test accuracy swings at lr 0.1), 209 s
    ("densenet", "8.7 Densely Connected Networks (DenseNet)", B("densenet", 0.1, 256, 96), (0.885, 0.895),
     "0.885 after 10 epochs at 96x96, lr 0.1", Q("densenet-small", 0.1, 256, 3), (0.75, 0.88), 4.0),
    # quick: 0.784 after 2 epochs (0.804 after 3), 96 s per epoch
    ("vit", "11.8 Transformers for Vision (ViT)", B("vit", 0.1, 128, 96), (0.82, 0.90),
     "~0.86 after 10 epochs at 96x96, lr 0.1", Q("vit-small", 0.1, 128, 2, channels_last=False), (0.72, 0.84), 4.0),
)  # fmt: skip

for _name, _section, _book, _band, _source, _quick, _quick_band, _minutes in CNN_TABLE:
    recipe(_name, section=_section, dataset="fashion-mnist", metric="test_acc", run=run, distributed=True,
        data=FASHION_DATA, model=fashion_part(build),
        book=Profile(_book, band=_band, source=f"{BOOK_ED} {_source}"),
        quick=Profile(_quick, band=_quick_band, minutes=_minutes, source=MEASURED),
        tiny=Profile(replace(_quick, **TINY)),
    )  # fmt: skip
