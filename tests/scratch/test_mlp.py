import math

import pytest
import torch
import torch.nn.functional as F

from dive.models import MLP
from dive.scratch import SGD, MLPScratch, dropout_layer, l2_penalty, relu, sigmoid, tanh, xavier_uniform_


@pytest.mark.parametrize(("mine", "ref"), [(relu, torch.relu), (sigmoid, torch.sigmoid), (tanh, torch.tanh)])
def test_activations_match_torch(f64, mine, ref):
    x = torch.linspace(-6, 6, 101)
    x[50] += 1e-3  # keep off relu's kink at exactly 0
    a, b = x.clone().requires_grad_(), x.clone().requires_grad_()
    assert torch.allclose(mine(a), ref(b))
    mine(a).sum().backward()
    ref(b).sum().backward()
    assert torch.allclose(a.grad, b.grad)


def test_mlp_scratch_matches_concise_values_and_grads(f64):
    torch.manual_seed(0)
    s = MLPScratch(784, 10, (32, 16), "relu")
    c = MLP(784, 10, (32, 16))
    linears = [m for m in c.net if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for lin, W, b in zip(linears, s.weights, s.biases):
            lin.weight.copy_(W.T)
            lin.bias.copy_(b)
    X, y = torch.rand(8, 1, 28, 28), torch.randint(0, 10, (8,))
    F.cross_entropy(s(X), y).backward()
    F.cross_entropy(c(X), y).backward()
    assert torch.allclose(s(X), c(X))
    for lin, W in zip(linears, s.weights):
        assert torch.allclose(lin.weight.grad, W.grad.T)


def test_inverted_dropout_keeps_the_expectation_and_zeroes_p():
    torch.manual_seed(0)
    X = torch.ones(200_000)
    out = dropout_layer(X, 0.3)
    kept = out != 0
    assert torch.allclose(out[kept], torch.full_like(out[kept], 1 / 0.7))
    assert abs((~kept).float().mean().item() - 0.3) < 0.01 and abs(out.mean().item() - 1) < 0.01
    assert torch.equal(dropout_layer(X[:5], 0.0), X[:5]) and torch.equal(dropout_layer(X[:5], 1.0), torch.zeros(5))
    with pytest.raises(ValueError):
        dropout_layer(X, 1.5)


def test_dropout_only_in_training_mode():
    m = MLPScratch(4, 2, (64,), dropouts=(0.5,))
    X = torch.randn(3, 4)
    m.eval()
    assert torch.equal(m(X), m(X))
    m.train()
    assert not torch.equal(m(X), m(X))


def test_l2_penalty_equals_torch_weight_decay(f64):
    torch.manual_seed(0)
    w1 = torch.randn(5, 1, requires_grad=True)
    w2 = w1.detach().clone().requires_grad_()
    X, y = torch.randn(10, 5), torch.randn(10, 1)
    o1, o2 = SGD([w1], lr=0.1), torch.optim.SGD([w2], lr=0.1, weight_decay=3.0)
    for _ in range(5):
        o1.zero_grad()
        o2.zero_grad()
        (((X @ w1 - y) ** 2).mean() / 2 + 3.0 * l2_penalty(w1)).backward()
        (((X @ w2 - y) ** 2).mean() / 2).backward()
        o1.step()
        o2.step()
    assert torch.allclose(w1, w2)


def test_xavier_uniform_matches_torch_draw_for_draw():
    a, b = torch.empty(64, 32), torch.empty(64, 32)
    torch.manual_seed(1)
    xavier_uniform_(a)
    torch.manual_seed(1)
    torch.nn.init.xavier_uniform_(b)
    assert torch.equal(a, b) and a.abs().max() <= math.sqrt(6 / 96)
