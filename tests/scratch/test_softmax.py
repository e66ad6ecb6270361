"""Scratch softmax and cross-entropy against torch, float64, values and gradients."""

import torch
import torch.nn.functional as F

from dive.scratch import SoftmaxRegressionScratch, cross_entropy, logsumexp, softmax


def test_softmax_matches_torch_including_huge_logits(f64):
    X = torch.randn(6, 10) * 5
    X[0] = torch.tensor([1000.0, -1000.0] + [0.0] * 8)  # would overflow exp() without the max shift
    X1 = X.clone().requires_grad_()
    X2 = X.clone().requires_grad_()
    p1, p2 = softmax(X1), torch.softmax(X2, dim=1)
    assert torch.allclose(p1, p2) and not torch.isnan(p1).any()
    w = torch.randn(6, 10)
    (p1 * w).sum().backward()
    (p2 * w).sum().backward()
    assert torch.allclose(X1.grad, X2.grad)
    assert torch.allclose(logsumexp(X), torch.logsumexp(X, dim=1))


def test_cross_entropy_matches_torch(f64):
    logits = (torch.randn(8, 10) * 30).requires_grad_()
    ref = logits.detach().clone().requires_grad_()
    y = torch.randint(0, 10, (8,))
    a, b = cross_entropy(logits, y), F.cross_entropy(ref, y)
    assert torch.allclose(a, b) and torch.isfinite(a)
    a.backward()
    b.backward()
    assert torch.allclose(logits.grad, ref.grad)


def test_softmax_regression_equals_linear_layer(f64):
    model = SoftmaxRegressionScratch(784, 10)
    linear = torch.nn.Linear(784, 10)
    with torch.no_grad():
        linear.weight.copy_(model.W.T)
        linear.bias.copy_(model.b)
    X = torch.rand(4, 1, 28, 28)
    assert model(X).shape == (4, 10)
    assert torch.allclose(model(X), linear(X.reshape(4, -1)))
