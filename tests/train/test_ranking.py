"""Ranking losses and metrics on cases worked out by hand."""

import math

import torch

from dive.train.ranking import PairwiseStep, bpr_loss, hinge_loss, hit_and_auc, rating_rmse


def test_bpr_and_hinge_by_hand():
    pos, neg = torch.tensor([2.0, 0.0]), torch.tensor([0.0, 1.0])
    # -log sigmoid(2) = log(1 + e^-2) = 0.126928; -log sigmoid(-1) = log(1 + e) = 1.313262
    assert math.isclose(float(bpr_loss(pos, neg)), (math.log1p(math.exp(-2)) + math.log1p(math.e)) / 2, rel_tol=1e-6)
    # margin 1: max(0, 1 - 2 + 0) = 0; max(0, 1 - 0 + 1) = 2
    assert float(hinge_loss(pos, neg)) == 1.0
    assert float(hinge_loss(pos, neg, margin=0.5)) == 0.75


def test_pairwise_step_scores_positives_and_negatives_with_the_same_context():
    forward = lambda users, items: users.float() * 0 + items.float()  # noqa: E731  (score = item id)
    out = PairwiseStep(hinge_loss)(forward, (torch.tensor([0, 1]), torch.tensor([5, 1]), torch.tensor([2, 3])), None)
    assert out.count == 2 and float(out.loss) == (0 + 3) / 2


def test_hit_and_auc_by_hand_and_the_books_candidate_bug():
    scores = torch.tensor([[0.9, 0.8, 0.1, 0.5, 0.7], [0.1, 0.2, 0.3, 0.4, 0.9]])
    exclude = torch.tensor([[True, False, False, False, False], [False] * 5])
    positives = torch.tensor([3, 4])
    # user 0: candidates 1, 2, 3, 4 (item 0 was trained on); item 3 (0.5) is below 1 (0.8) and 4 (0.7): rank 2,
    # AUC (3 - 2) / 3. User 1: item 4 is first: rank 0, AUC 4 / 4.
    m = hit_and_auc(scores, exclude, positives, ks=(1, 3))
    assert m["hit@1"] == 0.5 and m["hit@3"] == 1.0 and math.isclose(m["auc"], (1 / 3 + 1) / 2, rel_tol=1e-6)
    # ranking only items 0..3 (the book's range(num_users) with 4 users): user 1's item 4 is never found
    book = hit_and_auc(scores, exclude, positives, ks=(1, 3), first_items=4)
    assert book["hit@3"] == 0.5 and math.isclose(
        book["auc"], (1 / 2) / 2, rel_tol=1e-6
    )  # user 0: rank 1 of 3 candidates


def test_rmse_over_all_ratings():
    assert math.isclose(rating_rmse(torch.tensor([1.0, 3.0]), torch.tensor([2.0, 3.0])), math.sqrt(0.5), rel_tol=1e-6)


def test_a_constant_score_is_not_a_perfect_ranking():
    scores = torch.ones(1, 5)
    m = hit_and_auc(scores, torch.zeros(1, 5, dtype=torch.bool), torch.tensor([2]), ks=(1, 3))
    assert m["hit@1"] == 0.0 and m["hit@3"] == 1.0 and m["auc"] == 0.5  # rank 2 of 5: the mean of a random order


def test_roc_auc_and_log_loss_by_hand():
    from dive.train.ranking import log_loss, roc_auc

    # positives score 0.9, 0.4; negatives 0.5, 0.1: pairs (0.9 > 0.5, 0.9 > 0.1, 0.4 < 0.5, 0.4 > 0.1) -> 3/4
    assert roc_auc(torch.tensor([0.9, 0.5, 0.4, 0.1]), torch.tensor([1, 0, 1, 0])) == 0.75
    assert roc_auc(torch.tensor([0.3, 0.3]), torch.tensor([1, 0])) == 0.5  # a tie counts half
    assert math.isclose(log_loss(torch.zeros(3), torch.tensor([1.0, 0.0, 1.0])), math.log(2), rel_tol=1e-6)
