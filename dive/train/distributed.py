"""Multi-process data parallelism for the one `fit` loop (book §13.5-13.6, concise: `DistributedDataParallel`).

Each process holds a full replica of the model. Every step, the global minibatch of `batch_size` examples is split
across the `world_size` processes (rank r takes the r-th of `world_size` near-equal parts, `tensor_split`); each
computes the gradient of the mean loss on its part, and DDP averages the gradients across processes during
`backward` (an all-reduce, overlapped with the rest of backward). Every replica then takes the same optimizer step.

Why split the *global* batch rather than give each process its own `batch_size` (torch's `DistributedSampler`):
the run then sees the same batches in the same order whatever the number of processes, so
- a 2-process run follows the 1-process run (to float rounding: the mean of two half-batch means is the mean of
  the batch when the halves are equal; an odd-sized batch weights its halves slightly unequally);
- a checkpoint's position (epoch, batch) means the same thing for any number of processes, so a run saved with
  2 processes resumes with 1, or the other way round;
- the book's hyperparameters (lr for a given batch size) stay right.

Processes are started by `torchrun` (or `dive run NAME --nproc N`, which calls it); they find each other through
the environment it sets (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT). Backend: gloo on CPU, NCCL on
CUDA. Only rank 0 writes logs, history and checkpoints; epoch metrics are summed over all processes first.
"""

from __future__ import annotations

import os
import pickle
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import Tensor

from dive.core import DiveError, Loader, as_loader


@dataclass(frozen=True)
class DistInfo:
    """Who this process is in the group: `rank` of `world_size`, `local_rank` on its machine."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world_size > 1


def env_dist_info() -> DistInfo:
    """The group described by torchrun's environment variables; a single process when they are absent."""
    try:
        return DistInfo(
            int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)), int(os.environ.get("LOCAL_RANK", 0))
        )
    except ValueError as e:
        raise DiveError(f"bad torchrun environment (RANK/WORLD_SIZE/LOCAL_RANK): {e}") from None


def init_distributed(device: torch.device) -> tuple[DistInfo, torch.device]:
    """Join the process group torchrun set up (gloo on CPU, NCCL on CUDA); returns (info, this process's device).

    On CUDA each process takes GPU `local_rank`. A no-op for a single process."""
    info = env_dist_info()
    if not info.active:
        return info, device
    if device.type == "cuda":
        device = torch.device("cuda", info.local_rank)
        torch.cuda.set_device(device)
        backend = "nccl"
    elif device.type == "cpu":
        backend = "gloo"
    else:
        raise DiveError(f"multi-process training runs on cpu or cuda, not {device.type}")
    if not dist.is_initialized():
        dist.init_process_group(backend=backend)
    return info, device


def shutdown_distributed(barrier: bool = True) -> None:
    """Leave the process group, after a barrier so no process exits while another still needs it (`barrier=False`
    after an error: a failed process must exit at once, and torchrun then stops the others)."""
    if dist.is_available() and dist.is_initialized():
        if barrier:
            dist.barrier()
        dist.destroy_process_group()


def world() -> DistInfo:
    """The current group (a single process if none was initialised)."""
    if dist.is_available() and dist.is_initialized():
        return DistInfo(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", 0)))
    return DistInfo()


def all_reduce_sums(sums: dict[str, Any]) -> dict[str, Any]:
    """Sum each value (float64 scalars: loss sums, counts, metric sums) over all processes, in one all-reduce."""
    if not world().active or not sums:
        return sums
    keys = sorted(sums)
    device = next((v.device for v in sums.values() if isinstance(v, Tensor)), torch.device("cpu"))
    flat = torch.stack([torch.as_tensor(sums[k], dtype=torch.float64, device=device) for k in keys])
    dist.all_reduce(flat)
    return dict(zip(keys, flat.unbind(0), strict=True))


def shard_loader(loader: Any, info: DistInfo) -> Loader:
    """The part of each global batch that process `info.rank` handles: the loader's own `shard` (an
    `ArrayLoader` gathers only this process's examples; a sequence sampler splits its rows, `RowShard`)."""
    loader = as_loader(loader)
    return loader.shard(info.rank, info.world_size) if info.active else loader


def free_port() -> int:
    """A TCP port on localhost that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _local_worker(
    rank: int,
    world_size: int,
    port: int,
    threads: int,
    timeout: float,
    fn: Callable[..., Any],
    args: tuple,
    results: Any,
) -> None:
    os.environ.update(
        MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world_size), LOCAL_RANK=str(rank)
    )
    torch.set_num_threads(threads)
    # a collective that waits longer than `timeout` (a process died, or they disagree) raises instead of hanging
    dist.init_process_group("gloo", rank=rank, world_size=world_size, timeout=timedelta(seconds=timeout))
    try:
        # plain pickle (bytes), not torch's shared-memory tensors, which die with the process that made them
        results.put((rank, pickle.dumps(fn(rank, world_size, *args))))
        dist.barrier()
    finally:
        dist.destroy_process_group()


def spawn_local(
    fn: Callable[..., Any], world_size: int, args: tuple = (), threads: int | None = None, timeout: float = 300.0
) -> list[Any]:
    """Run `fn(rank, world_size, *args)` in `world_size` fresh CPU processes joined in a gloo group on localhost;
    returns their results in rank order. For tests and benchmarks (training runs use torchrun).

    `fn` must be importable by name (a module-level function). `threads` per process defaults to
    cores // world_size, so the processes do not oversubscribe the machine. After `timeout` seconds the processes
    are stopped and a `DiveError` raised: a stuck collective fails instead of hanging the caller."""
    threads = threads or max(1, (os.cpu_count() or 1) // world_size)
    ctx = mp.get_context("spawn")
    results = ctx.SimpleQueue()
    procs = mp.start_processes(
        _local_worker,
        args=(world_size, free_port(), threads, timeout, fn, args, results),
        nprocs=world_size,
        join=False,
        start_method="spawn",
    )
    out: dict[int, Any] = {}
    done = False
    deadline = time.monotonic() + timeout
    while True:  # drain results while waiting, so that no worker blocks on a full pipe
        while not results.empty():
            rank, value = results.get()
            out[rank] = pickle.loads(value)
        if done:
            break
        if time.monotonic() > deadline:
            for p in procs.processes:
                p.kill()
            raise DiveError(f"{world_size} processes running {fn.__name__} did not finish in {timeout:g} s")
        done = procs.join(timeout=0.05)  # raises if a worker failed
    if len(out) != world_size:
        raise DiveError(f"only ranks {sorted(out)} of {world_size} returned a result")
    return [out[r] for r in range(world_size)]
