"""The losses of word2vec (book §15.4.1, 15.2.2): negative sampling's binary cross-entropy over real entries
only, and hierarchical softmax's negative log-likelihood of the context words.

Each centre's row holds its context words (label 1), its noise words (label 0) and padding (mask 0). The book's
`SigmoidBCELoss` averages the loss over a row's real entries, then over the rows of the batch: a centre with two
context words counts as much as one with ten.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from dive.train.optim import Adam
from dive.train.pair_kernel import kernel_available, pair_update
from dive.train.steps import StepOut


def masked_bce(logits: Tensor, labels: Tensor, masks: Tensor) -> Tensor:
    """Per row, the mean binary cross-entropy of its real entries. logits, labels, masks: (B, L) -> (B,)."""
    masks = masks.to(logits.dtype)
    per = F.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype), weight=masks, reduction="none")
    return per.sum(1) / masks.sum(1).clamp_min(1)


class NegativeSamplingStep:
    """(centers, contexts_negatives, masks, labels) for a model `forward(centers, contexts_negatives) -> (B, L)`
    logits: the mean over the batch's centres of `masked_bce`, counted per centre (also `parts["bce"]`, the name
    both word2vec trainers report the book's loss under)."""

    def __call__(self, forward: Callable[..., Any], batch: Sequence[Tensor], state: Any = None) -> StepOut:
        centers, cn, masks, labels = batch
        loss = masked_bce(forward(centers, cn), labels, masks).mean()
        return StepOut(loss, centers.shape[0], parts={"bce": loss.detach()})


class PairSumStep:
    """Word2vec's own objective, for the fast path: (x, rows, words, labels) from `flat_pairs`, scored by
    `model.pair_logits`; the binary cross-entropy summed over every real pair (each pair counts once, as in
    Mikolov et al.'s trainer, where the book averages within a row first), divided by the batch's rows so the loss
    does not grow with the batch. With `SparseSGD` at lr = alpha x batch size this is word2vec's per-pair rate
    alpha. `parts["bce"]` is the book's loss on the same batch (the mean over rows of each row's mean), so the
    summary line stays comparable with the book's.

    Given the `SparseSGD` that trains the model, the step applies the predicted-word table's update itself, in
    the pass that computes it (`optimizer.row_scale` gives the rate), and leaves the loss without a graph: the
    same update as backward + `optimizer.step()` (tested), without writing the P x E gradient, scaling it and
    reading it again. The input side (`encode`: a centre's row, CBOW's mean, fastText's n-gram sum) still gets
    its gradient through autograd, for the optimizer to apply. On a CPU with numba installed the pairs' part runs
    as one compiled pass (`dive.train.pair_kernel`, the same update, tested), else as the torch ops below."""

    def __init__(self, model: torch.nn.Module, optimizer: SparseSGD | None = None) -> None:
        self.model = model
        self.optimizer = optimizer

    def __call__(self, forward: Callable[..., Any], batch: Sequence[Tensor], state: Any = None) -> StepOut:
        x, rows, words, labels = batch
        n_rows = x.shape[0]
        if self.optimizer is None or not torch.is_grad_enabled():
            logits = self.model.pair_logits(x, rows, words)
            per = F.binary_cross_entropy_with_logits(logits, labels, reduction="none")
            loss, per_row = per.sum() / n_rows, _row_means(rows, per.detach(), n_rows)
        else:
            per_row, loss = self._fused(x, rows, words, labels)
        return StepOut(loss, n_rows, parts={"bce": per_row.mean()})

    def _fused(self, x: Tensor, rows: Tensor, words: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
        """(each row's mean loss (B,), the loss) after updating the table and backpropagating into `encode`."""
        table, n_rows = self.model.embed_u.weight, x.shape[0]
        lookup = self.model.input_lookup(x)  # (table, ids (B, G), pad, mean, share) when encode(x) sums table rows
        if lookup is not None and kernel_available(table, lookup[0]):
            with torch.no_grad():  # h, both tables' updates and the loss in the compiled pass: no autograd at all
                h = torch.empty(n_rows, table.shape[1], dtype=table.dtype)  # the kernel writes encode(x) into it
                inputs = (*lookup, self.optimizer.current_rate(lookup[0])[0])
                fused = pair_update(h, table, rows, words, labels, *self.optimizer.current_rate(table), inputs=inputs)
            if fused is not None:
                return fused[1], fused[2]
        h = self.model.encode(x)  # (B, E), with its graph
        with torch.no_grad():
            fused = None
            if kernel_available(table, h):
                fused = pair_update(h, table, rows, words, labels, *self.optimizer.current_rate(table))
            if fused is not None:
                grad_h, per_row, loss = fused
            else:
                u, hr = table.index_select(0, words), h.detach().index_select(0, rows)  # (P, E) each
                logits = torch.linalg.vecdot(u, hr)
                per = F.binary_cross_entropy_with_logits(logits, labels, reduction="none")
                g = (torch.sigmoid(logits) - labels).div_(n_rows)  # d loss / d logit
                grad_h = segment_matmul(rows, g, u, n_rows)
                table.index_add_(0, words, (g * self.optimizer.row_scale(table, words))[:, None] * hr)
                per_row, loss = _row_means(rows, per, n_rows), per.sum() / n_rows
        h.backward(grad_h)
        return per_row, loss


def _row_means(rows: Tensor, per: Tensor, n_rows: int) -> Tensor:
    """(B,): the mean of `per` (P,) over each row's pairs."""
    return torch.bincount(rows, per, minlength=n_rows) / torch.bincount(rows, minlength=n_rows).clamp_min(1)


def word2vec_sgd(model: torch.nn.Module, lr_per_pair: float, batch_size: int,
                 total_steps: int) -> tuple[PairSumStep, SparseSGD]:  # fmt: skip
    """(step, optimizer) of word2vec's trainer for a model with `pair_logits`: `PairSumStep`'s loss is a mean over
    a batch's centres of their pairs' summed losses, so word2vec's per-pair rate becomes lr x batch size."""
    opt = SparseSGD(model.parameters(), lr_per_pair * batch_size, total_steps=total_steps)
    return PairSumStep(model, opt), opt


def segment_matmul(rows: Tensor, weights: Tensor, x: Tensor, n_rows: int) -> Tensor:
    """out[b] = sum of weights[p] * x[p] over the p with rows[p] == b: (P,), (P,), (P, E) -> (n_rows, E).

    With `rows` sorted (as `PairLoader` and `flat_pairs` give them) this is one sparse (n_rows x P) CSR matrix
    times x, which reads x once, where `index_add_` of weights x x writes a P x E product and reads it again
    (~3x slower on a PTB batch); unsorted rows take that path."""
    if rows.numel() and bool((rows[1:] >= rows[:-1]).all()):
        crow = torch.zeros(n_rows + 1, dtype=torch.long, device=rows.device)
        crow[1:] = torch.bincount(rows, minlength=n_rows).cumsum(0)
        cols = torch.arange(rows.numel(), device=rows.device)
        with warnings.catch_warnings():  # "sparse CSR support is in beta": this use is tested against index_add_
            warnings.simplefilter("ignore", UserWarning)
            matrix = torch.sparse_csr_tensor(crow, cols, weights.to(x.dtype), (n_rows, rows.numel()))
            return torch.sparse.mm(matrix, x)
    return torch.zeros(n_rows, x.shape[1], dtype=x.dtype, device=x.device).index_add_(0, rows, weights[:, None] * x)


class HierarchicalSoftmaxStep:
    """(centers, words, masks, labels) for a model `forward(centers, words) -> log P(word | centre)` (B, L)
    (hierarchical softmax, book §15.2.2): minus the mean log-probability of each centre's context words
    (entries labelled 1; noise words, if any, are not needed and ignored)."""

    def __call__(self, forward: Callable[..., Any], batch: Sequence[Tensor], state: Any = None) -> StepOut:
        centers, words, masks, labels = batch
        labels = labels.to(torch.float32)
        nll = -(forward(centers, words) * labels).sum(1) / labels.sum(1).clamp_min(1)
        return StepOut(nll.mean(), centers.shape[0])


class GloVeStep:
    """(i, j, log x_ij, h(x_ij)) for a model `forward(i, j) -> u_j . v_i + b_i + c_j` (book §15.5.3): the weighted
    least-squares loss h(x_ij) (prediction - log x_ij)^2, a mean over the batch's pairs."""

    def __call__(self, forward: Callable[..., Any], batch: Sequence[Tensor], state: Any = None) -> StepOut:
        i, j, log_x, weight = batch
        return StepOut((weight * (forward(i, j) - log_x) ** 2).mean(), i.shape[0])


def embedding_adam(params, lr: float) -> torch.optim.Optimizer:
    """The book's Adam for embedding tables, fused into one kernel where this torch has it (2.4+ on CPU): the
    same update rule, measured 9.2 -> 6.9 ms per PTB skip-gram step of 512 centres on 2 cores."""
    try:
        return Adam(params, lr=lr, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return Adam(params, lr=lr)


class SparseSGD(torch.optim.Optimizer):
    """Word2vec's own optimiser (Mikolov et al., 2013): plain SGD whose rate falls linearly from `lr` to
    `lr * min_ratio` over `total_steps`, applied only to the rows a batch used.

    With `nn.Embedding(sparse=True)` a batch's gradient holds one row per looked-up word (B x L of them, not the
    V x E table): the update adds them into the table where they belong (`index_add_`), so a step costs what the
    batch touched, where dense Adam reads and writes both whole tables and their two moments at every step.

    `repeats`: what a row looked up n times in one batch gets. "sum" is SGD on the batch's loss, the same update
    as on dense gradients. "mean" moves it by the mean of its n gradients: word2vec's trainer takes a frequent
    word's n updates one after another, each seeing the last, where a batch adds them at once, which diverges
    once n x rate is large (a small vocabulary, a large batch); the mean keeps every row's step at one rate's
    worth. Dense gradients (a bias) take the plain rate. The step count lives in the optimizer's state, so a
    checkpoint resumes the schedule where it stopped."""

    def __init__(self, params, lr: float, total_steps: int, min_ratio: float = 1e-4, repeats: str = "mean") -> None:
        if lr <= 0 or total_steps < 1:
            raise ValueError(f"SparseSGD needs lr > 0 and total_steps >= 1, got {lr}, {total_steps}")
        if repeats not in ("mean", "sum"):
            raise ValueError(f"repeats is mean or sum, got {repeats!r}")
        super().__init__(params, {"lr": lr, "total_steps": total_steps, "min_ratio": min_ratio, "repeats": repeats})

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """The saved state, with this optimizer's `total_steps` (a resumed run may be given more epochs)."""
        totals = [g["total_steps"] for g in self.param_groups]
        super().load_state_dict(state_dict)
        for g, total in zip(self.param_groups, totals):
            g["total_steps"] = total

    def rate(self, group: dict[str, Any], step: int) -> float:
        return group["lr"] * max(group["min_ratio"], 1.0 - step / group["total_steps"])

    def current_rate(self, p: Tensor) -> tuple[float, bool]:
        """(this step's rate for `p`, whether a row's repeats share it: "mean"), for a step that applies the
        update itself (`PairSumStep`)."""
        group = next(g for g in self.param_groups if any(q is p for q in g["params"]))
        return self.rate(group, int(self.state[p].get("step", 0))), group["repeats"] == "mean"

    def row_scale(self, p: Tensor, rows: Tensor) -> Tensor:
        """(P,): what multiplies the gradient of each looked-up row of `p` in this step's update (minus the rate,
        over the row's repeats under "mean"), for a step that applies the update itself (`PairSumStep`)."""
        rate, mean = self.current_rate(p)
        if not mean:
            return torch.full(rows.shape, -rate, dtype=p.dtype, device=p.device)
        return -rate / torch.bincount(rows, minlength=p.shape[0]).to(p.dtype)[rows]

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is not None and g.is_sparse:  # uncoalesced: one row per lookup; index_add_ sums the repeats
                    rows, values = g._indices()[0], g._values()
                    # scaled first: index_add_ with alpha takes a path ~3x slower on CPU
                    p.index_add_(0, rows, values * self.row_scale(p, rows).view(-1, *([1] * (values.dim() - 1))))
                elif g is not None:
                    p.add_(g, alpha=-self.rate(group, int(self.state[p].get("step", 0))))
                # every parameter's schedule advances, whether updated here or by the step (`row_scale`)
                self.state[p]["step"] = int(self.state[p].get("step", 0)) + 1

    # torch.optim wraps every optimizer's `step` in a profiler record and its step hooks (~0.1 ms a call); a
    # word2vec step of a few thousand pairs is short enough to feel it, and this optimizer registers no hooks
    step.hooked = True

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Gradients to None (or zero), without torch's profiler record around it."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad.zero_()
