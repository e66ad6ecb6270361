"""`dive bench transformer`: training tokens/s of the Transformer, the book's loop against dive's, and decoding
tokens/s with and without the key-value cache as the output grows.

Training (same model, data and hyperparameters, alternating rounds, medians):
- `book`: the book's seq2seq loop (zh 2.0 `train_seq2seq`): a `TensorDataset` + `DataLoader` collating one
  example at a time, the `<bos>` column concatenated per batch, a masked loss built from a weight mask
  (`MaskedSoftmaxCELoss`), clipping with a Python sum over parameters, and two floats synced per batch;
- `dive`: `ArrayLoader` batches and `Trainer` (ignore_index loss, no per-batch sync); `dive+bf16` under bf16
  autocast. The model's matmuls dominate (about 15 MFLOP per target token), so the loop matters little.
Decoding: greedy steps for a batch, `mode="kv"` (cache the projected keys/values) against `mode="recompute"`
(re-run the decoder on the whole prefix each step): per-step cost O(t) against O(t^2) in total work.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import DataLoader, TensorDataset

from dive.bench.harness import alternate, median
from dive.data import ArrayLoader
from dive.models import Transformer
from dive.train import Trainer, sequence_loss


def book_masked_ce(pred: Tensor, label: Tensor, valid_len: Tensor) -> Tensor:
    """The book's MaskedSoftmaxCELoss: per-token CE times a 0/1 weight mask, mean over time steps."""
    weights = torch.ones_like(label, dtype=torch.float32)
    weights = weights * (torch.arange(label.shape[1])[None, :] < valid_len[:, None])
    unweighted = F.cross_entropy(pred.permute(0, 2, 1), label, reduction="none")
    return (unweighted * weights).mean(dim=1)


def book_train_epoch(model, loader: DataLoader, opt, bos: int) -> int:
    """One epoch of the book's loop; returns the number of target tokens (valid ones, as the book counts)."""
    model.train()
    tokens = 0
    for X, X_valid_len, Y, Y_valid_len in loader:
        opt.zero_grad()
        dec_input = torch.cat([torch.full((Y.shape[0], 1), bos), Y[:, :-1]], 1)  # teacher forcing
        Y_hat = model(X, dec_input, X_valid_len)
        loss = book_masked_ce(Y_hat, Y, Y_valid_len)
        loss.sum().backward()
        params = [p for p in model.parameters() if p.requires_grad]
        norm = torch.sqrt(sum(torch.sum(p.grad**2) for p in params))
        if norm > 1:
            for p in params:
                p.grad[:] *= 1 / norm
        opt.step()
        with torch.no_grad():
            float(loss.sum()), int(Y_valid_len.sum())  # the book's Accumulator turns both into Python numbers
        tokens += Y.numel()
    return tokens


def synthetic_mt(n: int, num_steps: int, vocab: int, seed: int = 0) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Random (enc_X, enc_valid_len, Y, Y_valid_len) with fra-eng's shapes (speed only; the values do not matter)."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randint(4, vocab, (n, num_steps), generator=g)
    Y = torch.randint(4, vocab, (n, num_steps), generator=g)
    return X, torch.randint(3, num_steps + 1, (n,), generator=g), Y, torch.randint(3, num_steps + 1, (n,), generator=g)


def run_training_bench(n: int = 4096, vocab: int = 4000, rounds: int = 3, log: Callable[[str], None] = print):
    """Median training tokens/s of the book's loop and dive's on the d2l 1.0 Transformer (batch 128, 9 steps)."""
    X, X_len, Y, Y_len = synthetic_mt(n, 9, vocab)

    def model_and_opt():
        torch.manual_seed(0)
        m = Transformer(vocab, vocab)
        return m, torch.optim.Adam(m.parameters(), lr=1e-3)

    book_model, book_opt = model_and_opt()
    book_loader = DataLoader(TensorDataset(X, X_len, Y, Y_len), batch_size=128, shuffle=True)

    def book() -> float:
        t = time.perf_counter()
        return book_train_epoch(book_model, book_loader, book_opt, bos=2) / (time.perf_counter() - t)

    dec_X = torch.cat([torch.full((n, 1), 2), Y[:, :-1]], 1)
    loader = ArrayLoader(X, dec_X, X_len, Y, batch_size=128, shuffle=True)
    loss = functools.partial(sequence_loss, ignore_index=1)

    def dive_case(precision: str) -> Callable[[], float]:
        model, opt = model_and_opt()
        trainer = Trainer(model, loss, opt, max_epochs=1, clip_grad_norm=1.0, precision=precision)

        def epoch() -> float:
            t = time.perf_counter()
            return trainer.fit(loader).total_examples / (time.perf_counter() - t)

        return epoch

    cases = {"book": book, "dive": dive_case("fp32"), "dive+bf16": dive_case("bf16")}  # bf16 runs fp32 on AVX2
    log(f"training: {n} synthetic pairs x 9 steps, vocab {vocab}, Transformer 256/64/4 heads/2+2 blocks, batch 128")
    results = alternate(cases, rounds, lambda k, r, v: log(f"  round {r + 1}: {k:10} {v:9,.0f} tok/s"))
    return {k: median(v) for k, v in results.items()}


def training_flops_per_token(vocab: int = 4000, batch: int = 128, num_steps: int = 9) -> float:
    """Matmul FLOPs of one training step of `run_training_bench`'s Transformer (forward + backward), per target
    token (the unit its tokens/s count)."""
    from torch.utils.flop_counter import FlopCounterMode

    X, X_len, Y, _ = synthetic_mt(batch, num_steps, vocab)
    torch.manual_seed(0)
    model = Transformer(vocab, vocab)
    counter = FlopCounterMode(display=False)
    with counter:
        out = model(X, torch.cat([torch.full((batch, 1), 2), Y[:, :-1]], 1), X_len)
        (out[0] if isinstance(out, tuple) else out).sum().backward()
    return counter.get_total_flops() / Y.numel()


@torch.inference_mode()
def decode_tokens_per_sec(model: Transformer, batch: int, length: int, mode: str, reps: int = 3) -> float:
    """Greedy-decode `length` tokens for `batch` sentences (no early stop); median tokens/s over `reps`."""
    model.eval()
    enc_X = torch.randint(4, 100, (batch, 9))
    valid = torch.full((batch,), 9)
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        state = model.decoder.init_state(model.encoder(enc_X, valid), valid, mode=mode)
        prev = torch.full((batch, 1), 2)
        for _ in range(length):
            logits, state = model.decoder(prev, state)
            prev = logits[:, -1:].argmax(-1)
        times.append(time.perf_counter() - t)
    return batch * length / median(times)


def run_decode_bench(lengths=(8, 32, 128), batch: int = 16, log: Callable[[str], None] = print) -> dict:
    torch.manual_seed(0)
    model = Transformer(4000, 4000)
    out = {}
    for n in lengths:
        kv, re = (decode_tokens_per_sec(model, batch, n, m) for m in ("kv", "recompute"))
        out[n] = {"kv": kv, "recompute": re}
        log(
            f"  decode {n:4} tokens x batch {batch}: kv cache {kv:9,.0f} tok/s, "
            f"recompute {re:9,.0f} tok/s, {kv / re:5.2f}x"
        )
    return out
