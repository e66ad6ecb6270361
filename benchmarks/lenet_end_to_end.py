"""`dive run lenet --profile book` end to end against the book's own pipeline end to end (issue 19).

Book: `load_data_fashion_mnist` (per-sample PIL + `ToTensor`, `DataLoader` with 4 workers) and `train_ch6`'s
loop (per-batch Python floats), the test accuracy evaluated after every epoch, as the book does; timed from loading
the data to the last evaluation (`dive/bench/book_style.py`). dive: the command itself, in a subprocess, timed from
start to exit (Python start-up, data, 10 epochs with their evaluations, confusion matrix, pictures, checkpoint).
The two alternate for `--rounds`; medians are compared.

`--book-process` times the book's side the same way as dive's: a fresh Python process, from start to exit, that
first imports torch, torchvision, matplotlib.pyplot and pandas (~3 s on 2 cores; the book's `d2l` module imports
these and more) and then runs the same pipeline. Without it the book's start-up is not counted (the conservative
measure).

    DIVE_DATA=../shared/data python benchmarks/lenet_end_to_end.py --rounds 2 [--book-process]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from dive.bench.book_style import book_evaluate, book_loaders, book_train_epoch
from dive.core import seed_everything
from dive.data import load_fashion_mnist
from dive.models import LeNet
from dive.nn import init_xavier


def book_run(epochs: int) -> tuple[float, float]:
    t = time.perf_counter()
    train, test = load_fashion_mnist()
    seed_everything(0)
    model = LeNet(num_classes=10)
    model.apply(init_xavier)
    opt = torch.optim.SGD(model.parameters(), lr=0.9)
    train_loader, test_loader = book_loaders(train, test, 256)
    acc = 0.0
    for _ in range(epochs):
        book_train_epoch(model, train_loader, opt)
        acc = book_evaluate(model, test_loader)
    return time.perf_counter() - t, acc


def dive_run(epochs: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "dive", "run", "lenet", "--profile", "book", "--quiet", "--out", out,
                        f"--max_epochs={epochs}"], check=True, capture_output=True)  # fmt: skip
        seconds = time.perf_counter() - t
        return seconds, json.loads((Path(out) / "summary.json").read_text())["metrics"]["test_acc"]


def book_process(epochs: int) -> tuple[float, float]:
    """The book's side in its own process, timed from start to exit like dive's (see the module docstring)."""
    t = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--book-child", f"--epochs={epochs}"],
                         check=True, capture_output=True, text=True).stdout  # fmt: skip
    return time.perf_counter() - t, float(out.split()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--book-process", action="store_true", help="time the book's side from its own start to exit")
    p.add_argument("--book-child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.book_child:
        import matplotlib.pyplot  # noqa: F401 - what d2l imports before any of the book's code runs
        import pandas  # noqa: F401
        import torchvision  # noqa: F401

        print(book_run(args.epochs)[1])
        return
    times: dict[str, list[float]] = {"book": [], "dive": []}
    book_fn = book_process if args.book_process else book_run
    for r in range(args.rounds):
        for name, fn in (("book", book_fn), ("dive", dive_run)):
            seconds, acc = fn(args.epochs)
            times[name].append(seconds)
            print(f"round {r + 1}: {name:4} {seconds:6.1f} s, test acc {acc:.3f}", flush=True)
    book, dive = statistics.median(times["book"]), statistics.median(times["dive"])
    print(f"median: book {book:.1f} s, dive {dive:.1f} s: dive is {book / dive:.2f}x the book's pipeline end to end")


if __name__ == "__main__":
    main()
