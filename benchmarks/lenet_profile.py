"""Where a LeNet training step's time goes (issue 19): torch.profiler over dive's default pipeline.

Runs the `lenet` book profile's pipeline (ArrayLoader + ImageBatch, channels_last, SGD lr 0.9, batch 256) for a
number of steps under `torch.profiler`, and prints the self CPU time by operator family: convolutions, matrix
products, the elementwise work (sigmoids, average pools, their backward), the optimizer, data, the rest. With the
step's FLOP count (`train_flops_per_example`) and the machine's fp32 matmul peak, it says what share of the peak
the step reaches.

As `dive run lenet` does, freed memory is kept (`dive.core.memory`) and each batch runs whole on both cores;
`--split 2` runs each batch's halves on two threads instead (`dive.train.split`; the profiler records both
threads' operators). The FLOP count is the book's LeNet's; the first stage on phases (`dive.nn.phase_conv`) does
1.4x its first convolution's multiply-adds to get a better shape, which is not counted as useful work.

    DIVE_DATA=../shared/data python benchmarks/lenet_profile.py --steps 60
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections import defaultdict

import torch
import torch.nn.functional as F

from dive.bench.harness import matmul_peak_gflops, train_flops_per_example
from dive.core.memory import keep_freed_memory
from dive.data import ArrayLoader, ImageBatch, load_fashion_mnist
from dive.models import LeNet
from dive.nn import init_xavier
from dive.train import SGD, SupervisedStep
from dive.train.split import BatchSplit

FAMILIES = [  # (family, substrings of aten op names), first match wins
    ("convolution", ("conv", "mkldnn_convolution")),
    ("matrix products", ("addmm", "mm", "linear", "matmul")),
    ("sigmoid", ("sigmoid",)),
    ("average pooling", ("avg_pool",)),
    ("loss", ("cross_entropy", "log_softmax", "nll_loss")),
    ("optimizer", ("_foreach", "add_", "sgd")),
    (
        "data and layout (gather, convert, pad, phases)",
        ("index", "to_copy", "_to_copy", "copy_", "div", "contiguous", "clone", "pixel_unshuffle", "pad", "cat"),
    ),
]


def family(name: str) -> str:
    low = name.lower()
    for fam, keys in FAMILIES:
        if any(k in low for k in keys):
            return fam
    return "other"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--split", type=int, default=1)
    args = p.parse_args()
    keep_freed_memory()
    train, _ = load_fashion_mnist()
    torch.manual_seed(0)
    model = LeNet(num_classes=10).to(memory_format=torch.channels_last)
    model.apply(init_xavier)
    opt = SGD(model.parameters(), lr=0.9)
    loader = ArrayLoader(train.images, train.labels, batch_size=args.batch_size, shuffle=True,
                         transform=ImageBatch(channels_last=True))  # fmt: skip
    batches = loader.epoch(0)

    split = BatchSplit(model, args.split) if args.split > 1 else None

    def step() -> None:
        X, y = next(batches)
        opt.zero_grad(set_to_none=True)
        if split is not None:
            split(SupervisedStep(F.cross_entropy), model, [X, y], contextlib.nullcontext)
        else:
            F.cross_entropy(model(X), y).backward()
        opt.step()

    split_time: dict[str, float] = defaultdict(float)

    def timed_step() -> None:  # the same step with wall-clock marks between its parts (no profiler)
        t0 = time.perf_counter()
        X, y = next(batches)
        t1 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(X), y)
        t2 = time.perf_counter()
        loss.backward()
        t3 = time.perf_counter()
        opt.step()
        t4 = time.perf_counter()
        for part, seconds in (("data", t1 - t0), ("forward", t2 - t1), ("backward", t3 - t2), ("optimizer", t4 - t3)):
            split_time[part] += seconds

    with split.threads() if split is not None else contextlib.nullcontext():
        for _ in range(10):  # warm-up
            step()
        t = time.perf_counter()
        for _ in range(args.steps):
            step() if split is not None else timed_step()
        unprofiled = args.steps * args.batch_size / (time.perf_counter() - t)
        all_threads = torch._C._profiler._ExperimentalConfig(profile_all_threads=True)  # the parts' threads too
        with torch.profiler.profile(
            activities=[torch.profiler.ProfilerActivity.CPU], experimental_config=all_threads
        ) as prof:
            for _ in range(args.steps):
                step()
    totals: dict[str, float] = defaultdict(float)
    for ev in prof.key_averages():
        if ev.key.startswith("aten::") or ev.key.startswith("mkldnn"):
            totals[family(ev.key)] += ev.self_cpu_time_total
    whole = sum(totals.values())
    flops = train_flops_per_example(LeNet(num_classes=10), (1, 28, 28))
    peak = matmul_peak_gflops()
    per_sec = unprofiled
    print(f"{args.steps} steps of batch {args.batch_size}: {per_sec:,.0f} examples/s without the profiler")
    if split_time:
        per_step = {k: v / args.steps * 1e3 for k, v in split_time.items()}
        print("per step (wall clock): " + ", ".join(f"{k} {v:.2f} ms" for k, v in per_step.items()))
    print(f"step: {flops / 1e6:.2f} MFLOP per example -> {per_sec * flops / 1e9:.1f} GFLOP/s = "
          f"{per_sec * flops / 1e9 / peak:.0%} of the {peak:.0f} GFLOP/s fp32 matmul peak measured now")  # fmt: skip
    print("under torch.profiler (which slows small elementwise ops more than the rest, so read the shares as rough):")
    print("| operator family | share of the step's self CPU time |\n|---|---|")
    for fam, us in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"| {fam} | {us / whole:.0%} |")
    print("\ntop operators:")
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))


if __name__ == "__main__":
    main()
