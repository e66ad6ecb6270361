"""The book's Fashion-MNIST pipeline, re-implemented as a baseline for `dive bench` (book §4.2, §7.6 `train_ch6`).

What the book does, and what makes it slow on a CPU:
- a per-sample dataset (torchvision's FashionMNIST): each `__getitem__` turns one 28x28 uint8 array into a PIL image
  and runs `ToTensor` on it, in Python, 60,000 times an epoch;
- a `DataLoader` with 4 worker processes, which collate the samples and pickle each batch back to the trainer;
- a training loop that turns the loss and the accuracy into Python floats after every batch.
This module reproduces that behaviour on the same in-memory data; it is written here, not copied from d2l.
"""

from __future__ import annotations

import torch
from PIL import Image
from torch import Tensor, nn
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

from dive.data import ImageSet


class BookStyleFashionMNIST(Dataset):
    """One example at a time: uint8 (28, 28) -> PIL image -> `ToTensor` -> float (1, 28, 28) in [0, 1]."""

    def __init__(self, images: ImageSet, resize: int | None = None) -> None:
        self.images = images.images.numpy()
        self.labels = images.labels.tolist()
        steps = [transforms.Resize(resize)] if resize else []
        self.transform = transforms.Compose([*steps, transforms.ToTensor()])

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[Tensor, int]:
        img = Image.fromarray(self.images[i], mode="L")
        return self.transform(img), self.labels[i]


def book_loaders(
    train: ImageSet, test: ImageSet, batch_size: int, num_workers: int = 4, seed: int = 0
) -> tuple[DataLoader, DataLoader]:
    """The book's `load_data_fashion_mnist`: shuffled train loader and ordered test loader, 4 workers each."""
    g = torch.Generator().manual_seed(seed)
    kw = {"batch_size": batch_size, "num_workers": num_workers, "persistent_workers": False}
    return (
        DataLoader(BookStyleFashionMNIST(train), shuffle=True, generator=g, **kw),
        DataLoader(BookStyleFashionMNIST(test), shuffle=False, **kw),
    )


def _accuracy_count(y_hat: Tensor, y: Tensor) -> float:
    return float((y_hat.argmax(dim=1).type(y.dtype) == y).sum())


def book_train_epoch(net: nn.Module, loader: DataLoader, optimizer: torch.optim.Optimizer, loss=None) -> dict:
    """One epoch as the book's loop runs it: per batch, step, then accumulate loss and accuracy as Python floats."""
    loss = loss or nn.CrossEntropyLoss()
    net.train()
    total_loss, correct, n = 0.0, 0.0, 0
    for X, y in loader:
        optimizer.zero_grad()
        y_hat = net(X)
        batch_loss = loss(y_hat, y)
        batch_loss.backward()
        optimizer.step()
        with torch.no_grad():
            total_loss += float(batch_loss) * X.shape[0]
            correct += _accuracy_count(y_hat, y)
            n += X.shape[0]
    return {"train_loss": total_loss / n, "train_acc": correct / n, "count": n}


@torch.no_grad()
def book_evaluate(net: nn.Module, loader: DataLoader) -> float:
    """Test accuracy, batch by batch, as the book's `evaluate_accuracy_gpu`."""
    net.eval()
    correct, n = 0.0, 0
    for X, y in loader:
        correct += _accuracy_count(net(X), y)
        n += y.numel()
    return correct / n
