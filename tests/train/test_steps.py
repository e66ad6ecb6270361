"""The training step as an object: a model of three outputs and two losses trains through `Trainer` with its own
step, loss parts reach the history, the epoch loss is weighted by what each loss averaged over, and no tuple is
guessed at."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dive.core import DiveError
from dive.data import ArrayLoader
from dive.train import History, StepOut, SupervisedStep, Trainer, sequence_loss, token_count


class TwoHeads(nn.Module):
    """A toy detector shape: forward(X) -> (anchors, cls_preds, bbox_preds)."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Linear(4, 8)
        self.cls = nn.Linear(8, 3)
        self.box = nn.Linear(8, 4)

    def forward(self, X):
        h = torch.relu(self.body(X))
        anchors = torch.zeros(X.shape[0], 4)
        return anchors, self.cls(h), self.box(h)


def detector_step(forward, batch, state):
    """Class loss over every example, box loss over the positive ones only (a masked mean, as SSD's)."""
    X, labels, boxes = batch
    _, cls_preds, bbox_preds = forward(X)
    cls = F.cross_entropy(cls_preds, labels)
    positive = labels > 0
    n_pos = positive.sum()
    bbox = (F.l1_loss(bbox_preds, boxes, reduction="none").sum(1) * positive).sum() / n_pos.clamp(min=1)
    return StepOut(cls + bbox, labels.numel(), cls_preds, labels, parts={"cls": cls, "bbox": (bbox, n_pos)})


def _data():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(64, 4, generator=g)
    labels = (X[:, 0] > 0).long() + (X[:, 1] > 1).long()
    boxes = X.abs().clone()
    return ArrayLoader(X, labels, boxes, batch_size=16, shuffle=True)


def test_a_model_with_three_outputs_and_two_losses_trains_with_its_own_step(tmp_path):
    torch.manual_seed(0)
    model = TwoHeads()
    history = History(tmp_path / "h.jsonl")
    trainer = Trainer(
        model, None, torch.optim.SGD(model.parameters(), lr=0.1), step=detector_step, max_epochs=8, callbacks=[history]
    )
    loader = _data()
    state = trainer.fit(loader, loader)
    epochs = [r for r in history.records if r["kind"] == "epoch"]
    assert {"train_cls", "train_bbox", "test_cls", "test_bbox"} <= set(epochs[-1])
    assert epochs[-1]["train_cls"] < epochs[0]["train_cls"] and epochs[-1]["train_bbox"] < epochs[0]["train_bbox"]
    # the box part is a mean over positive examples: recompute it by hand on the whole set
    X, labels, boxes = loader.tensors
    with torch.no_grad():
        _, _, bbox_preds = model(X)
    pos = labels > 0
    by_hand = (F.l1_loss(bbox_preds, boxes, reduction="none").sum(1) * pos).sum() / pos.sum()
    assert state.metrics["test_bbox"] == pytest.approx(by_hand.item(), rel=1e-5)


def test_the_epoch_loss_is_weighted_by_the_count_each_loss_averaged_over():
    # two batches: 1 real token of loss ~0 and 3 real tokens of loss ~log(5), the rest padding (id 0)
    logits = torch.zeros(2, 4, 5)
    logits[0, 0, 2] = 50.0
    y = torch.tensor([[2, 0, 0, 0], [1, 3, 4, 0]])

    class Fixed(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.zeros(()))

        def forward(self, idx):
            return logits[idx] + self.w

    model = Fixed()
    loss = lambda out, y: sequence_loss(out, y, ignore_index=0)  # noqa: E731
    step = SupervisedStep(loss, lambda y: token_count(y, ignore_index=0))
    trainer = Trainer(model, None, torch.optim.SGD(model.parameters(), lr=0.0), step=step, max_epochs=1)
    out = trainer.evaluate(ArrayLoader(torch.arange(2), y, batch_size=1))
    assert out["loss"] == pytest.approx(3 * math.log(5) / 4, rel=1e-4)  # per real token, not per padded slot


def test_a_tuple_from_a_plain_supervised_model_is_refused_not_guessed():
    model = TwoHeads()
    trainer = Trainer(model, F.cross_entropy, torch.optim.SGD(model.parameters(), lr=0.1), max_epochs=1)
    X, labels, _ = _data().tensors
    with pytest.raises(DiveError, match="returned a tuple of 3"):
        trainer.fit(ArrayLoader(X, labels, batch_size=16))
    with pytest.raises(Exception, match="loss_fn or a step"):
        Trainer(model, None, torch.optim.SGD(model.parameters(), lr=0.1), max_epochs=1)
