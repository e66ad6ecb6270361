"""Word2vec's negative-sampling update of a batch as two loops over its pairs (book §15.4; Mikolov et al., 2013),
compiled by numba, for `PairSumStep` on a CPU.

What it computes is `PairSumStep`'s torch path, pair p = (row b, word w, label y), B rows, h (B, E) the rows'
input vectors, U (V, E) the predicted-word table:

    x_p = U[w] . h[b]                        the pair's logit
    g_p = (sigmoid(x_p) - y) / B             d loss / d x_p, for the loss summed over pairs, averaged over rows
    grad_h[b] = sum over the row's pairs of g_p U[w]    (with U before this step's update)
    U[w] += coef_p g_p h[b]                  coef: minus the rate, over the word's repeats in the batch

Why a compiled loop: in eager torch each line above streams a P x E tensor through memory (~13,400 x 100 on a PTB
batch, about nine passes), where the loop keeps a pair's two rows in L1, as word2vec's C trainer does. The first
loop runs the rows in parallel (each row's pairs are contiguous, each row writes only its grad_h row); the second
applies the table's update after every read of it, one pair after another, so the result does not depend on the
number of threads (tested). Where h[b] is a sum or mean of rows of an input table (skip-gram's centre row, fastText's
n-grams, CBOW's contexts), that table's SGD step is taken in the same call, so the step needs no autograd at all.
Without numba (`pip install numba`), or off the CPU, `PairSumStep` runs the torch path.
"""

from __future__ import annotations

import functools
import importlib.util
import math

import numpy as np
import torch
from torch import Tensor

# numba is imported on first use, not with dive: it would add ~0.16 s to every process's start
HAVE_NUMBA = importlib.util.find_spec("numba") is not None


@functools.cache  # compiled on first use (numba's own cache keeps it on disk between processes)
def _kernel():
    import numba

    @numba.njit(parallel=True, fastmath=True, cache=True)
    def pair_update(
        h,
        table,
        rows,
        words,
        labels,
        rate,
        mean_repeats,
        grad_h,
        row_loss,
        in_table,
        in_ids,
        in_pad,
        in_fmean,
        in_mean,
        in_rate,
    ):  # pragma: no cover
        n_rows, dim = h.shape
        n_pairs, vocab = words.shape[0], table.shape[0]
        starts = np.zeros(n_rows + 1, np.int64)  # CSR offsets of each row's pairs
        counts = np.zeros(vocab, np.int32)  # each word's repeats in the batch
        for b in range(in_ids.shape[0]):
            for j in range(in_ids.shape[1]):
                if in_ids[b, j] != in_pad and (in_ids[b, j] < 0 or in_ids[b, j] >= in_table.shape[0]):
                    return -2.0  # an index out of range: nothing was written
        for p in range(n_pairs):
            if rows[p] < 0 or rows[p] >= n_rows or words[p] < 0 or words[p] >= vocab:
                return -2.0
            if p > 0 and rows[p] < rows[p - 1]:
                return -1.0  # unsorted rows: the caller takes the torch path; nothing was written
            starts[rows[p] + 1] += 1
            counts[words[p]] += 1
        for b in range(n_rows):
            starts[b + 1] += starts[b]
        inv_b = 1.0 / n_rows
        scaled = np.empty(n_pairs, np.float32)
        lookup = in_ids.shape[0] == n_rows
        for b in numba.prange(n_rows):  # rows in parallel: each reads U and writes its own h and grad_h row
            if lookup:  # h[b]: the sum (the mean if in_fmean) of in_table's rows in_ids[b]
                n = 0
                for k in range(dim):
                    h[b, k] = 0.0
                for j in range(in_ids.shape[1]):
                    i = in_ids[b, j]
                    if i != in_pad:
                        n += 1
                        for k in range(dim):
                            h[b, k] += in_table[i, k]
                if in_fmean and n > 1:
                    for k in range(dim):
                        h[b, k] /= n
            total = 0.0
            for p in range(starts[b], starts[b + 1]):
                w = words[p]
                x = np.float32(0.0)
                for k in range(dim):
                    x += table[w, k] * h[b, k]
                y = labels[p]
                e = math.exp(-abs(x))
                sig = 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)
                total += max(x, 0.0) - x * y + math.log1p(e)  # binary cross-entropy with logits, stable form
                g = np.float32((sig - y) * inv_b)
                scaled[p] = g * np.float32(-rate / counts[w] if mean_repeats else -rate)
                for k in range(dim):
                    grad_h[b, k] += g * table[w, k]
            row_loss[b] = total / max(starts[b + 1] - starts[b], 1)
        loss = 0.0
        for b in range(n_rows):
            loss += row_loss[b] * (starts[b + 1] - starts[b])
        # the table's update after every read of it, in pair order (serial: measured faster than split by word)
        for b in range(n_rows):
            for p in range(starts[b], starts[b + 1]):
                w, s = words[p], scaled[p]
                for k in range(dim):
                    table[w, k] += s * h[b, k]
        if lookup:  # h[b] came from in_table's rows in_ids[b]: their SGD step, as
            in_counts = np.zeros(in_table.shape[0], np.int32)  # `SparseSGD.step` takes it
            for b in range(n_rows):
                for j in range(in_ids.shape[1]):
                    if in_ids[b, j] != in_pad:
                        in_counts[in_ids[b, j]] += 1
            for b in range(n_rows):
                share = 1.0  # each row's part of h[b]: all of it in a sum, 1 / n in a mean of n rows
                if in_mean:
                    n = 0
                    for j in range(in_ids.shape[1]):
                        n += in_ids[b, j] != in_pad
                    share = 1.0 / max(n, 1)
                for j in range(in_ids.shape[1]):
                    i = in_ids[b, j]
                    if i != in_pad:
                        s = np.float32(share * (-in_rate / in_counts[i] if mean_repeats else -in_rate))
                        for k in range(dim):
                            in_table[i, k] += s * grad_h[b, k]
        return loss * inv_b

    return pair_update


def kernel_available(*tensors: Tensor) -> bool:
    """Whether the compiled update can run on these tensors: numba installed, all float32 and contiguous on the
    CPU."""
    return HAVE_NUMBA and all(
        t.device.type == "cpu" and t.dtype == torch.float32 and t.is_contiguous() for t in tensors
    )


def pair_update(h: Tensor, table: Tensor, rows: Tensor, words: Tensor, labels: Tensor, rate: float,
                mean_repeats: bool, inputs: tuple[Tensor, Tensor, int, bool, bool, float] | None = None,
                ) -> tuple[Tensor, Tensor, Tensor] | None:  # fmt: skip
    """Updates `table` (V, E) in place for the pairs (rows (P,) sorted, words (P,), labels (P,)) of h (B, E), at
    `rate`, over each word's repeats in the batch if `mean_repeats`. `inputs` = (in_table (V', E), ids (B, G),
    pad, fmean, share, in_rate) when h[b] is the sum (the mean if `fmean`) of in_table's rows ids[b] other than
    `pad` (skip-gram's centre row, G = 1; fastText's n-grams; CBOW's contexts): the kernel then writes h itself
    and takes that table's SGD step too, each row getting 1/n of the gradient if `share`, else all of it.
    Returns (grad_h (B, E), each row's mean binary cross-entropy (B,), the loss: the pairs' summed cross-entropy
    / B), or None if `rows` is not sorted."""
    grad_h = torch.zeros_like(h)
    row_loss = torch.empty(h.shape[0], dtype=torch.float64)
    if inputs is None:
        inputs = (
            torch.empty(0, h.shape[1], dtype=table.dtype),
            torch.empty(0, 1, dtype=torch.long),
            -1,
            False,
            False,
            0.0,
        )
    in_table, in_ids, in_pad, in_fmean, in_mean, in_rate = inputs
    import numba

    numba.set_num_threads(max(1, min(torch.get_num_threads(), numba.config.NUMBA_NUM_THREADS)))
    loss = _kernel()(h.detach().contiguous().numpy(), table.detach().numpy(), rows.contiguous().numpy(),
                   words.contiguous().numpy(), labels.to(table.dtype).contiguous().numpy(), float(rate),
                   bool(mean_repeats), grad_h.numpy(), row_loss.numpy(), in_table.detach().numpy(),
                   in_ids.contiguous().numpy(), int(in_pad), bool(in_fmean), bool(in_mean), float(in_rate))  # fmt: skip
    if loss == -2.0:
        raise IndexError(f"a pair's row or word is out of range ({h.shape[0]} rows, {table.shape[0]} words)")
    if loss < 0:
        return None
    return grad_h, row_loss.to(h.dtype), torch.tensor(loss, dtype=h.dtype)
