"""`dive bench lenet`: the book's pipeline against dive's, same model, data and hyperparameters, in one process.

Contenders (each call trains one full epoch and returns examples per second, data loading included):
- `book`: per-sample dataset + PIL + `ToTensor` + `DataLoader(num_workers=4)` + the book's loop (`book_style`);
- `dive`: in-memory uint8 batches converted on the batch (`ArrayLoader`, `ImageBatch`) + `Trainer`;
- `dive+cl`, `dive+split`, `dive+bf16`, `dive+compile` (and combinations): dive with channels_last (what `dive run
  lenet` does), each batch split over two threads (`Trainer(split=2)`), bf16 autocast, `torch.compile`; a
  compiled variant's first round includes the compilation (about 15 s for LeNet on 2 cores).
glibc's allocator keeps freed memory for both pipelines (`dive.core.memory`, process-wide, set before the first
round): the ratios compare pipelines and loops, not allocators; `benchmarks/malloc_faults.py` measures that.
The contenders run alternately for `rounds` rounds; medians are compared. With `accuracy_epochs`, a fresh LeNet is
then trained for that many epochs by the book's pipeline and by dive's, and the test accuracies compared.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from dive.bench.book_style import book_evaluate, book_loaders, book_train_epoch
from dive.bench.harness import (
    RoundsMixin,
    alternate,
    check_variants,
    matmul_peak_gflops,
    ran_as_label,
    rounds_table,
    train_flops_per_example,
)
from dive.core import ConfigError, seed_everything
from dive.core.memory import keep_freed_memory
from dive.data import ImageBatch, ImageSet, image_loaders
from dive.models import LeNet
from dive.nn import init_xavier
from dive.train import SGD, Trainer, accuracy

VARIANTS = {
    "dive": {},
    "dive+cl": {"channels_last": True},
    "dive+cl+split": {"channels_last": True, "split": 2},
    "dive+bf16": {"precision": "bf16"},
    "dive+cl+bf16": {"channels_last": True, "precision": "bf16"},
    "dive+compile": {"compile": True},
    "dive+cl+compile": {"channels_last": True, "compile": True},
}


@dataclass
class BenchResult(RoundsMixin):
    examples: int
    batch_size: int
    rounds: dict[str, list[float]]  # examples/s per round, per contender
    flops_per_example: float
    peak_gflops: float
    accuracy: dict[str, float] = field(default_factory=dict)
    accuracy_seconds: dict[str, float] = field(default_factory=dict)
    ran_as: dict[str, str] = field(default_factory=dict)  # the precision each dive contender really trained in


def _lenet(seed: int, channels_last: bool = False) -> LeNet:
    torch.manual_seed(seed)
    model = LeNet()
    model.apply(init_xavier)
    return model.to(memory_format=torch.channels_last) if channels_last else model


def _book_case(train: ImageSet, test: ImageSet, batch_size: int, lr: float, workers: int) -> Callable[[], float]:
    model = _lenet(0)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    loader, _ = book_loaders(train, test, batch_size, num_workers=workers)

    def epoch() -> float:
        t = time.perf_counter()
        n = book_train_epoch(model, loader, opt)["count"]
        return n / (time.perf_counter() - t)

    return epoch


def _dive_trainer(lr: float, channels_last=False, precision="fp32", compile=False, split=1, seed=0) -> Trainer:
    model = _lenet(seed, channels_last)
    opt = SGD(model.parameters(), lr=lr)  # dive's (no torch._dynamo import, one-op update); the book's is torch's
    return Trainer(
        model, F.cross_entropy, opt, max_epochs=1, metrics=[accuracy], precision=precision, compile=compile, split=split
    )


def _dive_loaders(train: ImageSet, test: ImageSet, batch_size: int, variant: dict):
    tf = ImageBatch(channels_last=variant.get("channels_last", False))
    return image_loaders(train, test, batch_size, transform=tf)


def _dive_case(
    train: ImageSet, test: ImageSet, batch_size: int, lr: float, ran_as: dict[str, str], name: str, **variant
) -> Callable[[], float]:
    trainer = _dive_trainer(lr, **variant)
    ran_as[name] = trainer.precision  # fp32 where this CPU has no bf16 kernels (dive.core.precision)
    loader, _ = _dive_loaders(train, test, batch_size, variant)

    def epoch() -> float:
        t = time.perf_counter()
        state = trainer.fit(loader)
        return state.total_examples / (time.perf_counter() - t)

    return epoch


def run_lenet_bench(
    train: ImageSet,
    test: ImageSet,
    *,
    rounds: int = 3,
    batch_size: int = 256,
    lr: float = 0.9,
    variants: Sequence[str] = ("dive", "dive+cl", "dive+cl+split"),
    workers: int = 4,
    accuracy_epochs: int = 0,
    log: Callable[[str], None] = print,
) -> BenchResult:
    """Alternate the book's pipeline and dive's `variants` for `rounds` epochs each; see the module docstring."""
    check_variants(variants, VARIANTS)
    if rounds < 1:
        raise ConfigError("rounds must be >= 1")
    kept = keep_freed_memory()  # process-wide: the same allocator for every contender
    cases = {"book": _book_case(train, test, batch_size, lr, workers)}
    ran_as: dict[str, str] = {}
    for v in variants:
        cases[v] = _dive_case(train, test, batch_size, lr, ran_as, v, **VARIANTS[v])
    log(
        f"{len(train)} training images, batch {batch_size}, lr {lr}, {torch.get_num_threads()} threads; "
        f"{rounds} alternating rounds of one epoch each; freed memory kept for all: {kept}"
    )
    results = alternate(cases, rounds, lambda n, r, v: log(f"  round {r + 1}: {n:14} {v:10,.0f} examples/s"))
    result = BenchResult(
        len(train), batch_size, results, train_flops_per_example(_lenet(0), (1, 28, 28)), matmul_peak_gflops()
    )
    result.ran_as = ran_as
    if accuracy_epochs:
        best = max(variants, key=lambda v: result.medians()[v])
        _accuracy_runs(result, train, test, batch_size, lr, workers, accuracy_epochs, best, log)
    return result


def _accuracy_runs(result, train, test, batch_size, lr, workers, epochs, variant, log) -> None:
    """Train fresh LeNets for `epochs` epochs with both pipelines; record test accuracy and wall time."""
    seed_everything(0)
    model = _lenet(0)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    train_loader, test_loader = book_loaders(train, test, batch_size, num_workers=workers)
    t = time.perf_counter()
    for _ in range(epochs):
        book_train_epoch(model, train_loader, opt)
    result.accuracy["book"] = book_evaluate(model, test_loader)
    result.accuracy_seconds["book"] = time.perf_counter() - t
    log(f"  book pipeline, {epochs} epochs: test acc {result.accuracy['book']:.3f}")
    seed_everything(0)
    trainer = _dive_trainer(lr, **VARIANTS[variant])
    trainer.max_epochs = epochs
    train_loader, test_loader = _dive_loaders(train, test, batch_size, VARIANTS[variant])
    t = time.perf_counter()
    trainer.fit(train_loader)
    result.accuracy[variant] = trainer.evaluate(test_loader)["acc"]
    result.accuracy_seconds[variant] = time.perf_counter() - t
    log(f"  {variant}, {epochs} epochs: test acc {result.accuracy[variant]:.3f}")


def format_bench(r: BenchResult) -> str:
    """The table `dive bench lenet` prints."""
    med = r.medians()
    label = lambda n: ran_as_label(n, VARIANTS.get(n, {}).get("precision", "fp32"), r.ran_as.get(n, "fp32"))  # noqa: E731
    lines = rounds_table(r, "pipeline", "examples/s", ",.0f", label)
    best = max((k for k in med if k != "book"), key=med.get)
    achieved = r.flops_per_example * med[best] / 1e9
    lines.append(
        f"training step: {r.flops_per_example / 1e6:.2f} MFLOP per example (forward + backward); "
        f"fp32 matmul peak here {r.peak_gflops:.0f} GFLOP/s; {best} reaches {achieved:.1f} GFLOP/s "
        f"= {achieved / r.peak_gflops:.0%} of peak"
    )
    for name, acc in r.accuracy.items():
        lines.append(f"after the accuracy run: {name:14} test acc {acc:.3f} in {r.accuracy_seconds[name]:.0f} s")
    return "\n".join(lines)
