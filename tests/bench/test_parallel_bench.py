"""Chapter 13's benchmarks run end to end on tiny sizes and report what they claim (timings themselves are not
tested: they belong to `dive bench`, not to the suite)."""

import pytest
import torch

from dive.bench.dist import exchange_bench, format_exchange, format_scaling, gradient_sizes, scaling_bench
from dive.bench.parallel import format_rows, interop_bench, streams_bench


def test_gradient_sizes_count_parameters():
    assert gradient_sizes(("lenet",)) == {"lenet": 61_706}  # the book's LeNet for 10 classes


@pytest.mark.dist
def test_exchange_bench_times_all_three_strategies():
    rows = exchange_bench(2, sizes={"tiny": 1000}, reps=2)
    assert [r["gradient"] for r in rows] == ["tiny"]
    assert all(rows[0][k] > 0 for k in ("all_reduce_ms", "ring_ms", "param_server_ms"))
    assert "param server" in format_exchange(rows, 2)


@pytest.mark.dist
def test_scaling_bench_rows_per_process_count_and_batch():
    rows = scaling_bench("lenet", batches=(8, 16), nprocs=(1, 2), reps=2)
    assert [(r["processes"], r["batch"]) for r in rows] == [(1, 8), (1, 16), (2, 8), (2, 16)]
    assert all(r["examples_per_sec"] > 0 and 0 <= r["comm_share"] <= 1 for r in rows)
    assert rows[0]["comm_share"] == 0  # one process exchanges nothing
    assert all(r["gflops"] > 0 for r in rows)
    assert "of peak" in format_scaling(rows, peak_gflops=100.0)


def test_interop_bench_and_streams():
    rows = interop_bench(n=32, depth=2, reps=1)
    assert len(rows) == 3 and all(r["ms"] > 0 for r in rows)
    assert "two Python threads" in format_rows(rows)
    if not torch.cuda.is_available():
        assert streams_bench() is None
