"""The Transformer's training loop (book-style vs dive, fp32 and bf16) and decoding with and without the
key-value cache, as `dive bench transformer` (issue: attention and the Transformer, speed).

    .venv/bin/python benchmarks/transformer.py --rounds 3 --json runs/bench_transformer.json
"""

import sys

from dive.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main(["bench", "transformer", *sys.argv[1:]]))
