"""bench: timing harnesses over the real training step, against a re-implementation of the book's pipeline."""

from dive.bench.book_style import BookStyleFashionMNIST, book_evaluate, book_loaders, book_train_epoch
from dive.bench.char_lstm import LSTMBenchResult, format_lstm_bench, run_lstm_bench
from dive.bench.harness import alternate, matmul_peak_gflops, median, train_flops_per_example
from dive.bench.lenet import BenchResult, format_bench, run_lenet_bench

__all__ = [
    "LSTMBenchResult",
    "format_lstm_bench",
    "run_lstm_bench",
    "BenchResult",
    "BookStyleFashionMNIST",
    "alternate",
    "book_evaluate",
    "book_loaders",
    "book_train_epoch",
    "format_bench",
    "matmul_peak_gflops",
    "median",
    "run_lenet_bench",
    "train_flops_per_example",
]
