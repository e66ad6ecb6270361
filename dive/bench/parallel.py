"""Automatic parallelism (book §13.3): independent work running at the same time.

On a CPU (`interop_bench`): two independent chains of matrix products, each op single-threaded, run one after the
other, then on two Python threads at once (PyTorch ops release the GIL, so the threads really run in parallel:
inter-op parallelism), against one chain at a time with every core working inside each product (intra-op
parallelism, PyTorch's default).

On a GPU (`streams_bench`): the book's overlap of computation with a device-to-host copy. The copy of one result
runs on a side stream while the default stream computes the next; with pinned host memory the two proceed together,
so the overlapped time approaches the longer of the two rather than their sum.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import torch

from dive.bench.harness import median


def _median_ms(fn: Callable[[], None], reps: int, sync: Callable[[], None] = lambda: None) -> float:
    fn()
    sync()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t)
    return median(times) * 1e3


def interop_bench(n: int = 512, depth: int = 20, reps: int = 7) -> list[dict]:
    """Median ms for two chains of `depth` (n x n) products + tanh: sequential, two threads, intra-op threads."""
    old = torch.get_num_threads()
    b = torch.randn(n, n)
    x = torch.randn(n, n)

    def chain() -> None:
        y = x
        for _ in range(depth):
            y = torch.tanh(y @ b)

    def sequential() -> None:
        chain()
        chain()

    def two_threads() -> None:
        threads = [threading.Thread(target=chain) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    rows = []
    try:
        torch.set_num_threads(1)
        rows.append({"how": "one after the other, 1 thread per op", "ms": _median_ms(sequential, reps)})
        rows.append({"how": "two Python threads, 1 thread per op", "ms": _median_ms(two_threads, reps)})
        torch.set_num_threads(max(2, old))
        rows.append({"how": f"one after the other, {max(2, old)} threads per op", "ms": _median_ms(sequential, reps)})
    finally:
        torch.set_num_threads(old)
    return rows


def streams_bench(n: int = 4096, reps: int = 10) -> list[dict] | None:
    """Median ms of compute (an n x n product) and a device-to-host copy of a result, sequential and overlapped
    on two CUDA streams; None without a CUDA GPU."""
    if not torch.cuda.is_available():
        return None
    dev = torch.device("cuda")
    a = torch.randn(n, n, device=dev)
    result = torch.randn(n, n, device=dev)
    host = torch.empty(n, n, pin_memory=True)
    side = torch.cuda.Stream()

    def compute() -> None:
        for _ in range(4):
            a @ a

    def copy() -> None:
        host.copy_(result, non_blocking=True)

    def sequential() -> None:
        compute()
        copy()

    def overlapped() -> None:
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            copy()
        compute()

    sync = torch.cuda.synchronize
    return [{"how": h, "ms": _median_ms(f, reps, sync)} for h, f in
            (("compute only", compute), ("copy only", copy), ("compute then copy", sequential),
             ("copy on a side stream", overlapped))]  # fmt: skip


def format_rows(rows: list[dict]) -> str:
    base = rows[0]["ms"]
    lines = [f"{'':40} {'ms':>8} {'vs first':>9}"]
    lines += [f"{r['how']:40} {r['ms']:8.2f} {base / r['ms']:8.2f}x" for r in rows]
    return "\n".join(lines)
