"""Losses and scores of the ranking recommenders (book §21.5-21.7).

- `bpr_loss(pos, neg)`: Bayesian personalized ranking, -log sigmoid(s_pos - s_neg) (§21.5.1), a mean over pairs
  (the book sums over the batch; with Adam the two differ only in how strongly weight decay acts).
- `hinge_loss(pos, neg, margin=1)`: max(0, margin - s_pos + s_neg) (§21.5.2).
- `PairwiseStep(loss)`: a batch (*context, positive items, negative items) for a model `forward(*context, items)`;
  the loss of the two scores, counted per pair.
- `hit_and_auc(scores, exclude, positives, ks)`: each user's held-out item ranked among every candidate item (all
  items minus the ones `exclude` marks, the user's training items): Hit@k (is it in the top k?) and the book's AUC
  ((candidates - 1 - rank) / (candidates - 1): the share of other candidates ranked below it), means over users;
  ties count half (a constant score is not a perfect ranking).
  `first_items=n` ranks only items 0..n-1, which is what the book's `evaluate_ranking` does with n = the number of
  users (it builds its candidates from `range(num_users)`): kept only to reproduce the book's number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from dive.train.steps import StepOut


def bpr_loss(pos: Tensor, neg: Tensor) -> Tensor:
    return -F.logsigmoid(pos - neg).mean()


def hinge_loss(pos: Tensor, neg: Tensor, margin: float = 1.0) -> Tensor:
    return torch.relu(margin - pos + neg).mean()


class PairwiseStep:
    """(*context, pos (B,), neg (B,)) -> `loss(forward(*context, pos), forward(*context, neg))`, counted per pair."""

    def __init__(self, loss: Callable[[Tensor, Tensor], Tensor] = bpr_loss):
        self.loss = loss

    def __call__(self, forward: Callable[..., Any], batch: Sequence[Tensor], state: Any = None) -> StepOut:
        *context, pos, neg = batch
        return StepOut(self.loss(forward(*context, pos), forward(*context, neg)), pos.shape[0])


def hit_and_auc(scores: Tensor, exclude: Tensor, positives: Tensor, ks: Sequence[int] = (10, 50),
                first_items: int | None = None) -> dict[str, float]:  # fmt: skip
    """scores, exclude: (U, I); positives: (U,) the held-out item of each user. Returns {"hit@k": ..., "auc": ...}."""
    scores = scores.float().masked_fill(exclude, float("-inf"))
    candidate = ~exclude
    if first_items is not None:
        scores[:, first_items:] = float("-inf")
        candidate = candidate.clone()
        candidate[:, first_items:] = False
    rows = torch.arange(len(positives))
    pos_score = scores[rows, positives]
    found = candidate[rows, positives]  # an item outside the candidates is never ranked: hit 0, AUC 0
    # candidates ranked above the held-out item; an equal score counts as half above (a random tie-break's mean)
    rank = (scores > pos_score[:, None]).sum(1) + 0.5 * ((scores == pos_score[:, None]) & candidate).sum(1).sub(1)
    others = (candidate.sum(1) - 1).clamp_min(1)
    out = {f"hit@{k}": float(((rank < k) & found).float().mean()) for k in ks}
    out["auc"] = float(torch.where(found, (others - rank).float() / others, 0.0).mean())
    return out


def rating_rmse(pred: Tensor, target: Tensor) -> float:
    """sqrt(mean((pred - target)^2)) over every held-out rating at once."""
    return float(((pred.float() - target.float()) ** 2).mean().sqrt())


def roc_auc(scores: Tensor, labels: Tensor) -> float:
    """The area under the ROC curve: the probability that a random positive scores above a random negative (ties
    count half), from the ranks of all scores at once (Mann-Whitney)."""
    scores, labels = scores.double().flatten(), labels.flatten() > 0.5
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    values, inverse, counts = torch.unique(scores, return_inverse=True, return_counts=True)
    ends = counts.cumsum(0).double()
    mid_rank = ends - (counts.double() - 1) / 2  # 1-based average rank of each distinct score
    rank_sum = float(mid_rank[inverse][labels].sum())
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def log_loss(logits: Tensor, labels: Tensor) -> float:
    """Mean binary cross-entropy of `logits` (one sigmoid applied here, once)."""
    return float(F.binary_cross_entropy_with_logits(logits.float(), labels.float()))


class RatingStep:
    """(users, items, ratings) -> squared error, plus `reg` x (|p_u|^2 + |q_i|^2 + b_u^2 + b_i^2) of the rows
    each rating touches (Koren et al.'s regularised MF; 0 is the book's plain L2 loss), both means over the batch's
    ratings; metrics read the predictions. `model` is a `dive.models.recsys.MatrixFactorization`."""

    def __init__(self, model, reg: float = 0.0):
        self.model, self.reg = model, reg

    def __call__(self, forward: Callable[..., Any], batch: Sequence[Tensor], state: Any = None) -> StepOut:
        users, items, y = batch
        pred = forward(users, items)
        loss = ((pred - y) ** 2).mean()
        if self.reg:
            m = self.model
            norms = (m.P(users) ** 2).sum(1) + (m.Q(items) ** 2).sum(1)
            norms = norms + m.user_bias(users).squeeze(1) ** 2 + m.item_bias(items).squeeze(1) ** 2
            loss = loss + self.reg * norms.mean()
        return StepOut(loss, y.shape[0], pred.detach(), y)
