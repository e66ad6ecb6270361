"""The book's character-level LSTM loop vs dive's, tokens per second (issue: sequences, speed). = `dive bench lstm`.

Run from the repository root with the data reachable (DIVE_DATA or ../shared/data):

    .venv/bin/python benchmarks/char_lstm.py --rounds 5                       # zh 2.0: 256 hidden, batch 32 x 35
    .venv/bin/python benchmarks/char_lstm.py --hidden 32 --batch-size 1024 --num-steps 32   # d2l 1.0's settings

Prints per-round and median tokens/s of the book's loop (one-hot per step, Python loop over time steps,
`dive/bench/book_style_rnn.py`), dive's nn.LSTM model through `Trainer` (fp32 and bf16 autocast) and dive's
scratch LSTM through `Trainer`; the ratios; the step's share of the fp32 matmul peak; each one's perplexity.
"""

import sys

from dive.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main(["bench", "lstm", *sys.argv[1:]]))
