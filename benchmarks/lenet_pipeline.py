"""Book-style Fashion-MNIST pipeline vs dive's, for LeNet (issue: CNNs, speed). Same as `dive bench lenet`.

Run from the repository root with the data reachable (DIVE_DATA or ../shared/data):

    .venv/bin/python benchmarks/lenet_pipeline.py --rounds 3 --variants dive,dive+cl,dive+bf16 --epochs 10

Prints per-round and median examples/s of each pipeline, the ratio against the book's, the training step's share
of the fp32 matmul peak, and (with --epochs) the test accuracy each reaches.
"""

import sys

from dive.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main(["bench", "lenet", *sys.argv[1:]]))
