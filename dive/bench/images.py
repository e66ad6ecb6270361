"""`dive bench kaggle`: the Kaggle CIFAR-10 recipe's training (book §14.13), the book's pipeline against dive's.

Contenders (each call trains one epoch over the same images and returns images per second, data included):
- `book`: the book's pipeline: images read from their PNG files by a per-sample dataset (`ImageFolder` style:
  PIL decode, then `Resize(40)`, `RandomResizedCrop(32)`, `RandomHorizontalFlip`, `ToTensor`, `Normalize`, in
  Python, every epoch), a `DataLoader`, and the book's loop with its per-batch Python floats;
- `dive`: the images decoded once into a uint8 `ImageSet`, the same augmentation by transforms v2 on uint8
  tensors per image (`BatchAugment`), then normalised on the whole batch, `Trainer`; `dive+cl` with channels_last.
Both train the same ResNet-18 (the quick profile's, with a max-pool after the stem) with the same optimizer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

from dive.bench.harness import alternate, matmul_peak_gflops, median, train_flops_per_example
from dive.data import ArrayLoader, ImageBatch, ImageSet
from dive.models import ResNet18
from dive.train import SupervisedStep, Trainer

MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)


class BookStyleImageFolder(Dataset):
    """One image at a time from its file: PIL decode + the book's torchvision transforms."""

    def __init__(self, paths: Sequence[Path], labels: Sequence[int]) -> None:
        from torchvision import transforms

        self.paths, self.labels = list(paths), list(labels)
        self.transform = transforms.Compose([
            transforms.Resize(40), transforms.RandomResizedCrop(32, scale=(0.64, 1.0), ratio=(1.0, 1.0)),
            transforms.RandomHorizontalFlip(), transforms.ToTensor(), transforms.Normalize(MEAN, STD),
        ])  # fmt: skip

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int):
        from PIL import Image

        with Image.open(self.paths[i]) as img:
            return self.transform(img.convert("RGB")), self.labels[i]


def _model(channels_last: bool) -> ResNet18:
    torch.manual_seed(0)
    m = ResNet18(10, in_channels=3, small_stem=True, stem_pool=True)
    return m.to(memory_format=torch.channels_last) if channels_last else m


def _opt(model):
    return torch.optim.SGD(model.parameters(), lr=2e-4, momentum=0.9, weight_decay=5e-4)


def _book_case(paths, labels, batch_size: int, workers: int) -> Callable[[], float]:
    model = _model(False)
    opt = _opt(model)
    loader = DataLoader(BookStyleImageFolder(paths, labels), batch_size=batch_size, shuffle=True,
                        num_workers=workers, drop_last=True)  # fmt: skip

    def epoch() -> float:
        t, n = time.perf_counter(), 0
        model.train()
        for X, y in loader:
            opt.zero_grad()
            y_hat = model(X)
            loss = F.cross_entropy(y_hat, y)
            loss.backward()
            opt.step()
            with torch.no_grad():
                float(loss), float((y_hat.argmax(dim=1) == y).sum())  # the book's Accumulator
            n += len(y)
        return n / (time.perf_counter() - t)

    return epoch


def _dive_case(s: ImageSet, batch_size: int, channels_last: bool) -> Callable[[], float]:
    from dive.vision.image_augment import cifar_augment

    model = _model(channels_last)
    trainer = Trainer(model, None, _opt(model), step=SupervisedStep(F.cross_entropy), max_epochs=1)
    tf = ImageBatch(mean=MEAN, std=STD, channels_last=channels_last)
    loader = ArrayLoader(s.images, s.labels, batch_size=batch_size, shuffle=True, augment=cifar_augment(32, then=tf))

    def epoch() -> float:
        t = time.perf_counter()
        state = trainer.fit(loader)
        return state.total_examples / (time.perf_counter() - t)

    return epoch


def run_kaggle_bench(folder: Path, rounds: int = 3, batch_size: int = 32, workers: int = 0,
                     log: Callable[[str], None] = print) -> dict:  # fmt: skip
    """Alternate the two pipelines for `rounds` epochs over a Kaggle CIFAR-10 folder; medians and the ratio."""
    import csv

    from dive.data.image_folders import load_kaggle_cifar10

    with open(folder / "trainLabels.csv", newline="") as f:
        rows = [(int(r["id"]), r["label"]) for r in csv.DictReader(f)]
    classes = sorted({c for _, c in rows})
    paths = [folder / "train" / f"{i}.png" for i, _ in rows]
    labels = [classes.index(c) for _, c in rows]
    t = time.perf_counter()
    data = load_kaggle_cifar10(folder)
    log(f"{len(paths)} images; dive decodes them once: {time.perf_counter() - t:.1f} s; batch {batch_size}, "
        f"{rounds} alternating rounds of one epoch each")  # fmt: skip
    cases = {
        "book": _book_case(paths, labels, batch_size, workers),
        "dive": _dive_case(data.train, batch_size, False),
        "dive+cl": _dive_case(data.train, batch_size, True),
    }
    rounds_ = alternate(cases, rounds, lambda n, r, v: log(f"  round {r + 1}: {n:5} {v:8.1f} images/s"))
    med = {k: median(v) for k, v in rounds_.items()}
    flops = train_flops_per_example(_model(False), (3, 32, 32))
    return {
        "rounds": rounds_,
        "medians": med,
        "ratio": med["dive"] / med["book"],
        "ratio_cl": med["dive+cl"] / med["book"],
        "flops_per_image": flops,  # matmuls and convolutions of a training step (forward + backward)
        "peak_gflops": matmul_peak_gflops(),
    }
