"""`dive bench lstm`: tokens per second of a character-level LSTM language model, the book's loop against dive's.

Contenders, each training one epoch over The Time Machine (sequential partitioning, clip 1, SGD):
- `book`: the book's scratch LSTM loop (`book_style_rnn`): one-hot per step, a Python loop over time steps;
- `dive`: the concise `RNNLM` (nn.LSTM: the time loop inside one fused kernel) through `Trainer`;
- `dive+bf16`: the same under bf16 autocast (`--precision bf16`; on CPU torch runs oneDNN's bf16 LSTM kernel;
  on a CPU without one (AVX2 only) it trains in fp32 and the table says `dive+bf16=fp32`);
- `dive-scratch`: dive's own scratch LSTM (`dive.scratch`) through `Trainer`, to separate loop from kernel.
They run alternately for `rounds` rounds and medians are compared, as in `dive bench lenet`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

from dive.bench.book_style_rnn import book_lstm_params, book_train_epoch
from dive.bench.harness import (
    RoundsMixin,
    alternate,
    check_variants,
    matmul_peak_gflops,
    ran_as_label,
    rounds_table,
    train_flops,
)
from dive.core import ConfigError
from dive.data import SequentialSeqLoader
from dive.models import RNNLM
from dive.scratch import LSTMScratch, Recurrent, RNNLMScratch
from dive.train import SequenceStep, Trainer, sequence_loss

VARIANTS = {"dive": "fp32", "dive+bf16": "bf16", "dive-scratch": "fp32"}  # name -> autocast precision


@dataclass
class LSTMBenchResult(RoundsMixin):
    tokens: int
    settings: str
    rounds: dict[str, list[float]]  # tokens/s per round
    flops_per_token: float
    peak_gflops: float
    train_ppl: dict[str, float]  # training perplexity of each contender's last epoch (same data, same epochs)
    ran_as: dict[str, str] = field(default_factory=dict)  # the precision each dive contender really trained in


def lm_flops_per_token(model: torch.nn.Module, vocab_size: int, batch: int, num_steps: int) -> float:
    """Matmul FLOPs of one training step (forward + backward) per token, by `torch.utils.flop_counter`.

    Count on the scratch model: the counter sees its matmuls, not the inside of torch's fused LSTM kernel,
    and both compute the same products.
    """
    return train_flops(model, torch.randint(0, vocab_size, (batch, num_steps))) / (batch * num_steps)


def _model(variant: str, vocab_size: int, num_hiddens: int) -> torch.nn.Module:
    torch.manual_seed(0)
    if variant != "dive-scratch":
        return RNNLM(vocab_size, num_hiddens, "lstm")
    return RNNLMScratch(Recurrent(LSTMScratch, vocab_size, num_hiddens), vocab_size)


def run_lstm_bench(
    corpus: torch.Tensor,
    vocab_size: int,
    *,
    rounds: int = 3,
    batch_size: int = 32,
    num_steps: int = 35,
    num_hiddens: int = 256,
    lr: float = 1.0,
    variants: Sequence[str] = tuple(VARIANTS),
    log: Callable[[str], None] = print,
) -> LSTMBenchResult:
    check_variants(variants, VARIANTS)
    if rounds < 1:
        raise ConfigError("rounds must be >= 1")
    params = book_lstm_params(vocab_size, num_hiddens)

    last_ppl: dict = {}

    def book() -> float:
        t = time.perf_counter()
        ppl, n = book_train_epoch(params, corpus, vocab_size, batch_size, num_steps, lr)
        last_ppl["book"] = ppl
        return n / (time.perf_counter() - t)

    cases: dict[str, Callable[[], float]] = {"book": book}
    ran_as: dict[str, str] = {}
    loader = SequentialSeqLoader(corpus, batch_size, num_steps, random_offset=False)
    for v in variants:
        model = _model(v, vocab_size, num_hiddens)
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        step = SequenceStep(sequence_loss)
        trainer = Trainer(model, None, opt, step=step, max_epochs=1, clip_grad_norm=1.0, precision=VARIANTS[v])
        ran_as[v] = trainer.precision  # fp32 where this CPU has no bf16 kernels (dive.core.precision)

        def dive_epoch(trainer: Trainer = trainer, name: str = v) -> float:
            t = time.perf_counter()
            state = trainer.fit(loader)  # a fresh FitState each call: one more epoch on the same model
            last_ppl[name] = math.exp(state.metrics["train_loss"])
            return state.total_examples / (time.perf_counter() - t)

        cases[v] = dive_epoch
    settings = f"LSTM {num_hiddens} hidden, batch {batch_size} x {num_steps} steps, lr {lr}, clip 1"
    log(f"{corpus.numel()} tokens, vocab {vocab_size}; {settings}; {torch.get_num_threads()} threads; {rounds} rounds")
    results = alternate(cases, rounds, lambda n, r, v: log(f"  round {r + 1}: {n:14} {v:12,.0f} tokens/s"))
    flops = lm_flops_per_token(_model("dive-scratch", vocab_size, num_hiddens), vocab_size, batch_size, num_steps)
    return LSTMBenchResult(corpus.numel(), settings, results, flops, matmul_peak_gflops(), last_ppl, ran_as)


def format_lstm_bench(r: LSTMBenchResult) -> str:
    med = r.medians()
    label = lambda n: ran_as_label(n, VARIANTS.get(n, "fp32"), r.ran_as.get(n, "fp32"))  # noqa: E731
    lines = rounds_table(r, "loop", "tokens/s", ",.0f", label)
    best = max((k for k in med if k != "book"), key=med.get)
    achieved = r.flops_per_token * med[best] / 1e9
    lines.append(
        f"training step: {r.flops_per_token / 1e6:.2f} MFLOP per token (matmuls, forward + backward); fp32 matmul "
        f"peak here {r.peak_gflops:.0f} GFLOP/s; {best} reaches {achieved:.1f} GFLOP/s = {achieved / r.peak_gflops:.0%}"
    )
    ppl = ", ".join(f"{k} {v:.2f}" for k, v in r.train_ppl.items())
    lines.append(f"training perplexity after {len(r.rounds['book'])} epochs each: {ppl}")
    return "\n".join(lines)
