"""Source models dive pretrains itself, where the book starts from ImageNet weights (§14.2, 14.11, 14.12).

No ImageNet weights are obtainable offline, so the recipes that copy a pretrained body (fine-tuning, the FCN's
backbone, style transfer's feature extractor) can start from a model dive trained on a real dataset at hand.
Each is trained once and cached under ~/.cache/dive/pretrained, keyed by the data's sha256 and the settings that
made it, so a second run (or another recipe) reads the file; a crash never leaves half a file under the key.
They are much weaker than ImageNet's: 1,000 or 60,000 images instead of 1.2 million.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from dive.core import build_once, keyed_path
from dive.data import IMAGENET_MEAN, IMAGENET_STD, ArrayLoader, ImageBatch
from dive.data.catalog import FASHION_MNIST, KAGGLE_CIFAR10_TINY
from dive.train import Trainer, accuracy
from dive.train.optim import SGD

PHOTO_MEAN, PHOTO_STD = IMAGENET_MEAN, IMAGENET_STD  # as the recipes normalise


def cached(name: str, key: dict[str, Any], model: nn.Module, train: Callable[[nn.Module], None]) -> Path:
    """Load `model` from the cache entry for (name, key), or `train` it and store it; returns the file's path."""
    from safetensors.torch import load_file, save_file

    path = keyed_path("pretrained", name, key, ".safetensors")
    if path.is_file():
        model.load_state_dict(load_file(path))
        print(f"source model: {name}, from {path}")
        return path

    def make(tmp: Path) -> None:
        train(model)
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, tmp)

    return build_once(path, make)


def _fit(model: nn.Module, images, labels, epochs: int, lr: float, seed: int, transform=None, augment=None) -> None:
    opt = SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    trainer = Trainer(model, F.cross_entropy, opt, max_epochs=epochs, metrics=[accuracy], scheduler=sched)
    trainer.fit(ArrayLoader(images, labels, batch_size=64, shuffle=True, seed=seed, transform=transform,
                            augment=augment))  # fmt: skip


def photo_resnet18(data_root=None, *, epochs: int = 20, size: int = 64, seed: int = 0, synthetic: bool = False):
    """torchvision's ResNet-18 (ImageNet's architecture, the FCN's backbone) trained by dive on the 1,000 real
    Kaggle CIFAR-10 photos at `size` x `size`, with the book's crop-and-flip augmentation: the only real
    colour photos with class labels here. Returns (model, path); the path loads as `--weights`."""
    import torchvision

    from dive.vision.image_augment import cifar_augment

    torch.manual_seed(seed)
    model = torchvision.models.resnet18(weights=None, num_classes=10)
    key = {"v": 1, "data": [f.sha256 for f in KAGGLE_CIFAR10_TINY.files], "epochs": epochs, "size": size,
           "seed": seed, "synthetic": synthetic}  # fmt: skip

    def train(m: nn.Module) -> None:
        if synthetic:
            from dive.data import fake_image_sets

            data, _ = fake_image_sets(n_train=64, n_test=4, seed=seed, channels=3, size=size)
            images, labels = data.images, data.labels
        else:
            from dive.data.image_folders import kaggle_cifar10_dir, load_kaggle_cifar10

            data = load_kaggle_cifar10(kaggle_cifar10_dir(data_root), (size, size)).train
            images, labels = data.images, data.labels
        print(f"source model: pretraining ResNet-18 on {len(labels):,} Kaggle CIFAR-10 photos ({size}x{size}), "
              f"{epochs} epochs")  # fmt: skip
        augment = cifar_augment(size, then=ImageBatch(mean=PHOTO_MEAN, std=PHOTO_STD))
        _fit(m, images, labels, epochs, 0.05, seed, augment=augment)

    path = cached("resnet18-kaggle-cifar10", key, model, train)
    return model.eval(), path


def clothing_resnet_small(data_root=None, *, epochs: int = 2, lr: float = 0.05, seed: int = 0,
                          synthetic: bool = False) -> nn.Module:  # fmt: skip
    """dive's small ResNet (`resnet-small`) trained on Fashion-MNIST's 60,000 clothing images (fine-tuning's
    source, §14.2)."""
    from dive.models import resnet_small

    torch.manual_seed(seed)
    model = resnet_small()
    key = {"v": 1, "data": [f.sha256 for f in FASHION_MNIST.files], "epochs": epochs, "lr": lr, "seed": seed,
           "synthetic": synthetic}  # fmt: skip

    def train(m: nn.Module) -> None:
        if synthetic:
            from dive.data import fake_image_sets

            source, _ = fake_image_sets(n_train=256, n_test=8, seed=seed + 1)
        else:
            from dive.data import load_fashion_mnist

            source, _ = load_fashion_mnist(data_root)
        print(f"source model: pretraining on {len(source):,} Fashion-MNIST images, {epochs} epochs")
        opt = SGD(m.parameters(), lr=lr, momentum=0.9)
        Trainer(m, F.cross_entropy, opt, max_epochs=epochs, metrics=[accuracy]).fit(
            ArrayLoader(source.images, source.labels, batch_size=128, shuffle=True, seed=seed, transform=ImageBatch())
        )

    cached("resnet-small-fashion-mnist", key, model, train)
    return model
