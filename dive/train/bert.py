"""BERT's pretraining loss (book §15.10.1): masked-LM cross-entropy over the real predictions plus NSP's.

The book computes `loss(mlm_Y_hat, mlm_Y) * mlm_weights` with a `CrossEntropyLoss` that already averaged over all
predictions, so its weights multiply a scalar and the padded prediction slots (label 0, weight 0) count as much
as real ones in its MLM loss. Here the per-prediction losses are weighted before averaging, so padding does not
count; the two agree when no example has padded predictions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from dive.train.steps import StepOut


def bert_losses(mlm: Tensor, nsp: Tensor, mlm_labels: Tensor, mlm_weights: Tensor,
                nsp_labels: Tensor) -> tuple[Tensor, Tensor, Tensor]:  # fmt: skip
    """(MLM loss: the weighted mean over predictions, its weight sum, NSP loss: the mean over examples)."""
    w = mlm_weights.reshape(-1).to(mlm.dtype)
    per = F.cross_entropy(mlm.reshape(-1, mlm.shape[-1]), mlm_labels.reshape(-1), reduction="none")
    return (per * w).sum() / w.sum().clamp_min(1e-8), w.sum(), F.cross_entropy(nsp, nsp_labels)


class BERTPretrainStep:
    """(tokens, segments, valid_lens, pred_positions, mlm_weights, mlm_labels, nsp_labels) -> MLM + NSP loss,
    with both parts in the history."""

    def __call__(self, forward: Callable[..., Any], batch: Sequence[Tensor], state: Any = None) -> StepOut:
        tokens, segments, valid_lens, positions, weights, labels, nsp_labels = batch
        _, mlm, nsp = forward(tokens, segments, valid_lens, positions)
        mlm_l, n_pred, nsp_l = bert_losses(mlm, nsp, labels, weights, nsp_labels)
        parts = {"mlm": (mlm_l, int(n_pred)), "nsp": nsp_l}
        return StepOut(mlm_l + nsp_l, tokens.shape[0], parts=parts)


@torch.no_grad()
def evaluate_bert(model, tensors: Sequence[Tensor], batch_size: int = 256, device="cpu",
                  ignore_label: int | None = None) -> dict[str, float]:  # fmt: skip
    """MLM loss and accuracy over the real predictions (and not `ignore_label`, e.g. `<unk>`), NSP loss and
    accuracy, on held-out arrays."""
    was = model.training
    model.eval()
    sums = {"mlm": 0.0, "mlm_correct": 0.0, "n": 0.0, "nsp": 0.0, "nsp_correct": 0.0, "m": 0}
    n_all = tensors[0].shape[0]
    for start in range(0, n_all, batch_size):
        tokens, segments, valid, pos, w, labels, nsp_y = (t[start : start + batch_size].to(device) for t in tensors)
        if ignore_label is not None:
            w = w * (labels != ignore_label)
        _, mlm, nsp = model(tokens, segments, valid, pos)
        wf = w.reshape(-1).float()
        per = F.cross_entropy(mlm.reshape(-1, mlm.shape[-1]), labels.reshape(-1), reduction="none")
        sums["mlm"] += float((per * wf).sum())
        sums["mlm_correct"] += float(((mlm.argmax(-1) == labels).reshape(-1).float() * wf).sum())
        sums["n"] += float(wf.sum())
        sums["nsp"] += float(F.cross_entropy(nsp, nsp_y, reduction="sum"))
        sums["nsp_correct"] += float((nsp.argmax(-1) == nsp_y).sum())
        sums["m"] += tokens.shape[0]
    model.train(was)
    n, m = max(sums["n"], 1.0), max(sums["m"], 1)
    return {"mlm_loss": sums["mlm"] / n, "mlm_acc": sums["mlm_correct"] / n, "nsp_loss": sums["nsp"] / m,
            "nsp_acc": sums["nsp_correct"] / m, "mlm_predictions": sums["n"], "pairs": sums["m"]}  # fmt: skip
