"""Book-style banana pipeline vs dive's, for TinySSD (issue 15). Same as `dive bench ssd`.

Run from the repository root with the data reachable (DIVE_DATA or ../shared/data):

    .venv/bin/python benchmarks/ssd_pipeline.py --rounds 3 --variants dive,dive+nchw,dive+bf16,dive+compile

Prints per-round and median images/s of each pipeline, the ratio against the book's, and the share of the fp32
matmul peak the training step reaches.
"""

import sys

from dive.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main(["bench", "ssd", *sys.argv[1:]]))
