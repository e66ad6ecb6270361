"""The chapter-21 models: shapes, the FM identity, scoring every item at once equals scoring pairs."""

import itertools

import torch

from dive.models.recsys import FM, AutoRec, Caser, DeepFM, MatrixFactorization, NeuMF, pairwise


def test_mf_is_dot_plus_biases_and_scores_all_items_alike():
    torch.manual_seed(0)
    m = MatrixFactorization(4, num_users=3, num_items=5)
    u, i = torch.tensor([0, 2]), torch.tensor([4, 1])
    want = (m.P.weight[u] * m.Q.weight[i]).sum(1) + m.user_bias.weight[u, 0] + m.item_bias.weight[i, 0]
    torch.testing.assert_close(m(u, i), want)
    torch.testing.assert_close(m.score_all(u)[torch.arange(2), i], want)


def test_fm_pairwise_term_equals_the_explicit_double_sum():
    v = torch.randn(2, 4, 3)
    explicit = sum((v[:, f] * v[:, g]).sum(1) for f, g in itertools.combinations(range(4), 2))
    torch.testing.assert_close(pairwise(v), explicit)


def test_shapes_of_every_model():
    x = torch.tensor([[0, 3, 5], [1, 2, 6]])
    assert FM([2, 2, 3], 4)(x).shape == (2,) and DeepFM([2, 2, 3], 4)(x).shape == (2,)
    assert AutoRec(8, num_users=6)(torch.rand(5, 6)).shape == (5, 6)
    n = NeuMF(4, 3, 7)
    out = n(torch.tensor([0, 1]), torch.tensor([6, 2]))
    assert out.shape == (2,) and ((out > 0) & (out < 1)).all()
    c = Caser(4, 3, 7, L=5).eval()
    u, seqs, items = torch.tensor([0, 2]), torch.randint(0, 7, (2, 5)), torch.tensor([1, 6])
    torch.testing.assert_close(c.score_all(u, seqs)[torch.arange(2), items], c(u, seqs, items))
