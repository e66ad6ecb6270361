"""The scratch autograd engine against torch.autograd: values and gradients in float64, on random graphs."""

import random

import pytest
import torch

from dive.scratch.autograd import Var, cross_entropy, topological_order, unbroadcast

UNARY = ["exp", "log", "tanh", "sigmoid", "relu"]
BINARY = ["+", "-", "*", "/", "@", "**"]


def random_graph(seed: int, steps: int = 12):
    """The same random expression built twice: on Vars and on torch tensors with requires_grad. Inputs of
    shapes (3, 4), (1, 4) and (3, 1) force broadcasting both ways; earlier results are reused (a node used twice)."""
    rng = random.Random(seed)
    g = torch.Generator().manual_seed(seed)
    shapes = [(3, 4), (1, 4), (3, 1)]
    leaves = [torch.rand(*s, generator=g, dtype=torch.float64) + 0.5 for s in shapes]  # positive: log, /, ** ok
    ours = [Var(x.clone()) for x in leaves]
    theirs = [x.clone().requires_grad_() for x in leaves]
    pool = list(zip(ours, theirs))
    for _ in range(steps):
        (a, ta), (b, tb) = rng.choice(pool), rng.choice(pool)
        op = rng.choice(UNARY + BINARY)
        if op in UNARY:
            if op == "log":  # keep the argument positive
                a, ta = a * a + 0.5, ta * ta + 0.5
            pool.append((getattr(a, op)(), getattr(torch, op)(ta)))
        elif op == "@":
            if a.shape[-1] != b.shape[0] or len(a.shape) != 2:
                continue
            pool.append((a @ b, ta @ tb))
        elif op == "**":
            c = rng.choice([2.0, 3.0, 0.5])
            pool.append(((a * a + 0.1) ** c, (ta * ta + 0.1) ** c))
        elif op == "/":
            pool.append((a / (b * b + 0.5), ta / (tb * tb + 0.5)))
        else:
            f = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y}[op]
            pool.append((f(a, b), f(ta, tb)))
    out, tout = pool[-1]
    return ours, theirs, out.tanh().sum() + out.mean(), torch.tanh(tout).sum() + tout.mean()


@pytest.mark.parametrize("seed", range(25))
def test_random_graphs_match_torch_autograd(seed):
    ours, theirs, out, tout = random_graph(seed)
    assert torch.allclose(out.data, tout.detach())
    out.backward()
    tout.backward()
    for v, t in zip(ours, theirs):
        expected = t.grad if t.grad is not None else torch.zeros_like(t)
        got = v.grad if v.grad is not None else torch.zeros_like(v.data)
        assert got.shape == v.shape and torch.allclose(got, expected), (seed, got, expected)


def test_the_books_examples_and_a_node_used_twice(f64):
    x = Var(torch.arange(4.0))
    y = 2 * (x @ x)  # book §2.5.1: y = 2 x^T x, dy/dx = 4x
    y.backward()
    assert torch.equal(x.grad, 4 * torch.arange(4.0))
    x.grad = None
    (x.sum()).backward()  # book: the gradient of the sum is all ones
    assert torch.equal(x.grad, torch.ones(4))
    a = Var(torch.tensor(3.0))
    b = a * a + a  # a used three times: db/da = 2a + 1
    b.backward()
    assert float(a.grad) == 7.0
    b.backward()  # leaves accumulate, as in torch
    assert float(a.grad) == 14.0


def test_broadcast_gradients_have_their_inputs_shapes(f64):
    row, col = Var(torch.rand(1, 4)), Var(torch.rand(3, 1))
    (row * col).sum().backward()
    assert row.grad.shape == (1, 4) and torch.allclose(row.grad, col.data.sum().expand(1, 4))
    assert col.grad.shape == (3, 1) and torch.allclose(col.grad, row.data.sum().expand(3, 1))
    assert unbroadcast(torch.ones(2, 3, 4), torch.Size([4])).tolist() == [6.0] * 4


def test_topological_order_puts_every_node_after_its_parents():
    a, b = Var(1.0), Var(2.0)
    c = a * b
    d = c + a
    order = topological_order(d)
    assert order.index(a) < order.index(c) < order.index(d) and order.index(b) < order.index(c)
    assert len(order) == len({id(n) for n in order})


def test_cross_entropy_matches_torch(f64):
    logits = torch.randn(5, 3) * 4
    y = torch.tensor([0, 2, 1, 1, 0])
    v = Var(logits.clone())
    loss = cross_entropy(v, y)
    t = logits.clone().requires_grad_()
    ref = torch.nn.functional.cross_entropy(t, y)
    loss.backward()
    ref.backward()
    assert torch.allclose(loss.data, ref.detach()) and torch.allclose(v.grad, t.grad)


def test_a_non_scalar_needs_its_gradient():
    with pytest.raises(ValueError, match="needs a scalar"):
        Var(torch.ones(3)).backward()
