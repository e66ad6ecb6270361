"""Scratch 1-D convolution and max-over-time pooling (book §16.3.1) against F.conv1d / adaptive_max_pool1d."""

import torch
import torch.nn.functional as F

from dive.scratch import conv1d, corr1d, corr1d_multi_in, max_over_time


def test_the_books_worked_examples():
    X, K = torch.tensor([0.0, 1, 2, 3, 4, 5, 6]), torch.tensor([1.0, 2])
    assert corr1d(X, K).tolist() == [2.0, 5, 8, 11, 14, 17]
    X = torch.tensor([[0.0, 1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6, 7], [2, 3, 4, 5, 6, 7, 8]])
    K = torch.tensor([[1.0, 2], [3, 4], [-1, -3]])
    assert corr1d_multi_in(X, K).tolist() == [2.0, 8, 14, 20, 26, 32]


def test_conv1d_and_max_over_time_match_torch_in_values_and_gradients(f64):
    X = torch.randn(3, 4, 11, requires_grad=True)
    W = torch.randn(5, 4, 3, requires_grad=True)
    b = torch.randn(5, requires_grad=True)
    mine = max_over_time(torch.relu(conv1d(X, W, b)))
    ref = F.adaptive_max_pool1d(torch.relu(F.conv1d(X, W, b)), 1)[:, :, 0]
    assert torch.allclose(mine, ref)
    g = torch.randn_like(mine)
    grads = torch.autograd.grad(mine, (X, W, b), g)
    ref_grads = torch.autograd.grad(ref, (X, W, b), g)
    assert all(torch.allclose(a, r) for a, r in zip(grads, ref_grads))
    # the loop version agrees with the vectorised one on one example and channel
    assert torch.allclose(corr1d_multi_in(X[0], W[0]), conv1d(X[:1], W[:1])[0, 0])
