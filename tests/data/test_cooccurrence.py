"""GloVe's co-occurrence counts (book §15.5): 1/distance weights worked by hand, symmetric, sentence-bounded."""

import pytest
import torch

from dive.core import DiveError
from dive.data.cooccurrence import cooccurrence, glove_data, glove_weight


def test_counts_weight_each_pair_by_one_over_distance_inside_a_sentence():
    # sentence 0: a b a (ids 1 2 1), sentence 1: b c (2 3); window 2
    ids, sent = torch.tensor([1, 2, 1, 2, 3]), torch.tensor([0, 0, 0, 1, 1])
    i, j, x = cooccurrence(ids, sent, 4, window=2)
    got = {(int(a), int(b)): float(v) for a, b, v in zip(i, j, x)}
    # a-b at distance 1 twice (+ b-c once in sentence 1), a-a at distance 2 (counted both ways)
    assert got == {(1, 2): 2.0, (2, 1): 2.0, (1, 1): 1.0, (2, 3): 1.0, (3, 2): 1.0}


def test_the_weighting_function_is_glove_s():
    x = torch.tensor([1.0, 50.0, 100.0, 500.0])
    assert glove_weight(x).tolist() == pytest.approx([0.01**0.75, 0.5**0.75, 1.0, 1.0])


def test_bad_input_is_one_line():
    with pytest.raises(DiveError, match="window must be"):
        cooccurrence(torch.tensor([1]), torch.tensor([0]), 2, window=0)
    with pytest.raises(DiveError, match="corpus is empty"):
        glove_data([[]])
    with pytest.raises(DiveError, match="no two known words share a sentence"):
        glove_data([["a"], ["b"]], min_freq=1)
