"""Skip-gram with negative sampling (book §15.4): the masked loss by hand and against torch, the model's shapes."""

import pytest
import torch
import torch.nn.functional as F

from dive.models.word2vec import SkipGram
from dive.train.embedding import masked_bce


def test_masked_bce_is_the_books_sigmoid_bce_loss_worked_by_hand():
    import math

    # the book's §15.4.1 example, which prints tensor([0.9352, 1.8462])
    pred = torch.tensor([[1.1, -2.2, 3.3, -4.4]] * 2)
    label = torch.tensor([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])
    got = masked_bce(pred, label, mask)

    def sigmd(x):  # -log sigmoid(x): the loss of logit x for a label 1 (of -x for a label 0)
        return -math.log(1 / (1 + math.exp(-x)))

    want = [(sigmd(1.1) + sigmd(2.2) + sigmd(-3.3) + sigmd(4.4)) / 4, (sigmd(-1.1) + sigmd(-2.2)) / 2]
    assert got.tolist() == pytest.approx(want, abs=1e-6) and [round(x, 4) for x in want] == [0.9352, 1.8462]


def test_masked_bce_matches_torch_weighted_bce_values_and_gradients(f64):
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(6, 9, generator=g, requires_grad=True)
    labels = (torch.rand(6, 9, generator=g) < 0.3).double()
    masks = (torch.rand(6, 9, generator=g) < 0.8).to(torch.uint8)
    masks[:, 0] = 1
    ours = masked_bce(logits, labels, masks).mean()
    m = masks.double()
    ref = (F.binary_cross_entropy_with_logits(logits, labels, weight=m, reduction="none").sum(1) / m.sum(1)).mean()
    (ga,) = torch.autograd.grad(ours, logits)
    (gb,) = torch.autograd.grad(ref, logits)
    assert torch.allclose(ours, ref) and torch.allclose(ga, gb) and (ga[masks == 0] == 0).all()


def test_skip_gram_scores_each_word_against_the_centre():
    model = SkipGram(20, 4)
    center, cn = torch.tensor([3, 5]), torch.tensor([[1, 2, 0], [4, 4, 9]])
    out = model(center, cn)
    assert out.shape == (2, 3)
    want = (model.embed_u.weight[cn] * model.embed_v.weight[center][:, None]).sum(-1)
    assert torch.allclose(out, want) and model.vectors.shape == (20, 4)


def test_cbow_averages_only_the_real_context_words():
    from dive.models.word2vec import CBOW

    model = CBOW(10, 3)
    contexts, targets = torch.tensor([[2, 3, 0, 0], [4, 0, 0, 0]]), torch.tensor([[5, 6], [7, 8]])
    out = model(contexts, targets)
    v = torch.stack([model.embed_v.weight[[2, 3]].mean(0), model.embed_v.weight[4]])
    assert out.shape == (2, 2) and torch.allclose(out, (model.embed_u.weight[targets] * v[:, None]).sum(-1))
