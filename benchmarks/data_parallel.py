"""Chapter 13 on this machine: gradient exchange (all-reduce, our ring, parameter server), data-parallel scaling
over processes and batch sizes with the communication share, and automatic parallelism (CPU threads, GPU streams).

    .venv/bin/python benchmarks/data_parallel.py [--nproc 2] [--rounds 3] [--model lenet]
"""

import sys

from dive.cli.main import main

if __name__ == "__main__":
    args = sys.argv[1:]
    status = 0
    for target in ("exchange", "scaling", "parallel"):
        status |= main(["bench", target, *args])
    raise SystemExit(status)
