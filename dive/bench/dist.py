"""Multi-process benchmarks (book §13.5-13.7): gradient exchange strategies, and data-parallel scaling.

`dive bench exchange`: the time to agree on one gradient of a given size among W processes, three ways:
  all-reduce (`torch.distributed.all_reduce`), our ring all-reduce from point-to-point sends, and the parameter
  server's traffic (push = `reduce` to rank 0, pull = `broadcast`; the update between them is left out, as are
  the copies into flat buffers, so all three move the same data). Sizes: LeNet's and ResNet-18's gradients.
`dive bench scaling`: throughput of a DDP training step against the number of processes (1, 2) and the global
  batch size, and the communication share of each step two ways: 1 - (step without gradient sync) / (step with
  it), which includes waiting for the slower process; and a bare all-reduce of the gradient / step.
  The processes share one machine: with 2 CPU cores, one process uses both cores for its matrix products and two
  processes one each, so the question answered is "do two processes beat one process with all the cores?".

Every figure is a median over repeated steps in processes started by `spawn_local` (gloo on localhost).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from dive.bench.harness import median, train_flops_per_example
from dive.models import MODELS
from dive.scratch.data_parallel import ring_all_reduce_
from dive.train import spawn_local


def gradient_sizes(models: Sequence[str] = ("lenet", "resnet18")) -> dict[str, int]:
    """Parameter counts of registered models: the gradient each step must exchange."""
    return {name: sum(p.numel() for p in MODELS[name].build().parameters()) for name in models}


def _timed(fn: Callable[[], None], reps: int) -> float:
    """Median seconds of `fn` over `reps` calls, each started together on every process (barrier first)."""
    for _ in range(3):  # warm up: the first collectives also set up gloo's connections
        fn()
    times = []
    for _ in range(reps):
        dist.barrier()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return median(times)


def _push_pull(x: torch.Tensor, server: int = 0) -> None:
    """The parameter server's traffic (as in `ParameterServerSGD.step`, without the update): push, then pull."""
    dist.reduce(x, dst=server)
    dist.broadcast(x, src=server)


def _exchange_worker(rank: int, world: int, sizes: dict[str, int], reps: int) -> list[dict]:
    rows = []
    for name, n in sizes.items():
        grad = torch.randn(n)
        rows.append(
            {
                "gradient": name,
                "parameters": n,
                "all_reduce_ms": _timed(lambda g=grad: dist.all_reduce(g), reps) * 1e3,
                "ring_ms": _timed(lambda g=grad: ring_all_reduce_(g), reps) * 1e3,
                "param_server_ms": _timed(lambda g=grad: _push_pull(g), reps) * 1e3,
            }
        )
    return rows


def exchange_bench(world: int = 2, sizes: dict[str, int] | None = None, reps: int = 20) -> list[dict]:
    """Median milliseconds per gradient exchange among `world` processes (rank 0's timings)."""
    return spawn_local(_exchange_worker, world, (sizes or gradient_sizes(), reps))[0]


def _scaling_worker(rank: int, world: int, model_name: str, batches: Sequence[int], reps: int) -> list[dict]:
    torch.manual_seed(0)
    entry = MODELS[model_name]
    model = entry.build()
    train = DistributedDataParallel(model) if world > 1 else model
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    grads = torch.zeros(sum(p.numel() for p in model.parameters()))  # one flat gradient, for the bare all-reduce
    rows = []
    for batch in batches:
        X = torch.rand(batch // world, *entry.input_shape)
        y = torch.randint(0, 10, (batch // world,))

        def step(sync: bool = True, X=X, y=y) -> None:
            opt.zero_grad(set_to_none=True)
            if sync or world == 1:
                F.cross_entropy(train(X), y).backward()
            else:
                with train.no_sync():  # gradients stay local: the compute alone
                    F.cross_entropy(train(X), y).backward()
            opt.step()

        with_sync = _timed(step, reps)
        alone = _timed(lambda: step(sync=False), reps) if world > 1 else with_sync
        bare = _timed(lambda: dist.all_reduce(grads), reps) if world > 1 else 0.0
        rows.append({"processes": world, "threads": torch.get_num_threads(), "batch": batch,
                     "step_ms": with_sync * 1e3, "examples_per_sec": batch / with_sync,
                     "comm_share": max(0.0, 1 - alone / with_sync), "all_reduce_share": bare / with_sync})  # fmt: skip
    return rows


def scaling_bench(
    model: str = "lenet", batches: Sequence[int] = (64, 256, 1024), nprocs: Sequence[int] = (1, 2), reps: int = 10
) -> list[dict]:
    """Throughput per (processes, global batch); each process takes batch / processes examples per step.

    `gflops` is the training FLOP rate of all processes together (matmuls and convolutions, `train_flops`)."""
    rows = []
    for world in nprocs:
        rows += spawn_local(_scaling_worker, world, (model, list(batches), reps))[0]
    entry = MODELS[model]
    per_example = train_flops_per_example(entry.build(), entry.input_shape)
    for r in rows:
        r["gflops"] = r["examples_per_sec"] * per_example / 1e9
    return rows


def format_exchange(rows: list[dict], world: int) -> str:
    header = f"{'gradient':10} {'parameters':>11} {'all-reduce':>11} {'ring (ours)':>12} {'param server':>13}"
    lines = [f"{world} processes, median ms per exchange of one float32 gradient", header]
    for r in rows:
        lines.append(f"{r['gradient']:10} {r['parameters']:11,} {r['all_reduce_ms']:11.2f} {r['ring_ms']:12.2f} "
                     f"{r['param_server_ms']:13.2f}")  # fmt: skip
    return "\n".join(lines)


def format_scaling(rows: list[dict], peak_gflops: float | None = None) -> str:
    """The table; with `peak_gflops` (the machine's fp32 matmul rate) a column of the fraction each step reaches."""
    base = {r["batch"]: r["examples_per_sec"] for r in rows if r["processes"] == 1}
    header = f"{'processes':>9} {'threads':>7} {'batch':>6} {'step ms':>8} {'examples/s':>11} {'vs 1 proc':>9} "
    header += f"{'comm share':>10} {'all-reduce alone':>16} {'GFLOP/s':>8}" + (" of peak" if peak_gflops else "")
    lines = [header]
    for r in rows:
        gain = r["examples_per_sec"] / base[r["batch"]] if r["batch"] in base else float("nan")
        lines.append(f"{r['processes']:9} {r['threads']:7} {r['batch']:6} {r['step_ms']:8.1f} "
                     f"{r['examples_per_sec']:11,.0f} {gain:8.2f}x {r['comm_share']:10.0%} "
                     f"{r['all_reduce_share']:16.1%} {r['gflops']:8.1f}"
                     + (f" {r['gflops'] / peak_gflops:7.0%}" if peak_gflops else ""))  # fmt: skip
    lines.append(f"({os.cpu_count()} CPUs; each process runs cores // processes threads. comm share: 1 - step "
                 "without gradient sync / step with it, waiting for the other process included; all-reduce alone: "
                 "a bare all-reduce of the gradient / step)")  # fmt: skip
    return "\n".join(lines)
