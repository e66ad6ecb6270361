"""A reverse-mode automatic differentiation engine from scratch (beyond book §2.5, which uses the framework's).

Every `Var` holds a value (a torch tensor used as a plain array: no torch autograd), the `Var`s it was computed
from, and a function that, given the gradient of the final result with respect to this `Var`, adds the
gradients with respect to each input (the chain rule, one node at a time). `backward()` orders the graph
topologically (every node after all the nodes it was computed from), seeds d out / d out = 1 and walks the
order backwards, so each node's gradient is complete before it is passed on. Gradients *accumulate* (`+=`): a node
used twice receives both contributions, which is why x * x has gradient 2x.

Broadcasting: an input of shape (3, 1) added to one of shape (1, 4) gives (3, 4); its gradient must have the
input's shape again, so the backward pass sums over the broadcast dimensions (`unbroadcast`).

    >>> x = Var(torch.tensor([1.0, 2.0, 3.0]))
    >>> y = (x * x).sum()  # x^T x
    >>> y.backward()
    >>> x.grad  # 2x
    tensor([2., 4., 6.])
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor


def unbroadcast(grad: Tensor, shape: torch.Size) -> Tensor:
    """Sum `grad` down to `shape`: over the leading dimensions broadcasting added, and over size-1 dimensions."""
    while grad.dim() > len(shape):
        grad = grad.sum(0)
    for i, n in enumerate(shape):
        if n == 1 and grad.shape[i] != 1:
            grad = grad.sum(i, keepdim=True)
    return grad


class Var:
    """A node of the computation graph: `data` (a tensor), `grad` (same shape, after `backward`)."""

    def __init__(self, data, parents: tuple[Var, ...] = (), backward: Callable[[Tensor], None] | None = None,
                 op: str = "") -> None:  # fmt: skip
        self.data = data if isinstance(data, Tensor) else torch.as_tensor(data, dtype=torch.get_default_dtype())
        self.grad: Tensor | None = None
        self.parents = parents
        self._backward = backward
        self.op = op

    def __repr__(self) -> str:
        return f"Var({self.data}, op={self.op!r})" if self.op else f"Var({self.data})"

    @property
    def shape(self) -> torch.Size:
        return self.data.shape

    def _accumulate(self, grad: Tensor) -> None:
        grad = unbroadcast(grad, self.data.shape)
        self.grad = grad.clone() if self.grad is None else self.grad + grad

    # binary operations: d(a op b)/da and d(a op b)/db, each summed back to its input's shape
    def __add__(self, other) -> Var:
        other = as_var(other)
        out = Var(self.data + other.data, (self, other), op="+")
        out._backward = lambda g: (self._accumulate(g), other._accumulate(g))
        return out

    def __mul__(self, other) -> Var:
        other = as_var(other)
        out = Var(self.data * other.data, (self, other), op="*")
        out._backward = lambda g: (self._accumulate(g * other.data), other._accumulate(g * self.data))
        return out

    def __truediv__(self, other) -> Var:
        other = as_var(other)
        out = Var(self.data / other.data, (self, other), op="/")
        out._backward = lambda g: (self._accumulate(g / other.data),
                                   other._accumulate(-g * self.data / other.data**2))  # fmt: skip
        return out

    def __pow__(self, exponent: float) -> Var:
        """x ** c for a constant c: d/dx = c x^(c - 1)."""
        out = Var(self.data**exponent, (self,), op=f"**{exponent}")
        out._backward = lambda g: self._accumulate(g * exponent * self.data ** (exponent - 1))
        return out

    def __matmul__(self, other) -> Var:
        """(n, k) @ (k, m): d/dA = G B^T, d/dB = A^T G; a vector is a (1, k) row on the left, a (k, 1) column on
        the right, as torch reads it."""
        other = as_var(other)
        out = Var(self.data @ other.data, (self, other), op="@")

        def backward(g: Tensor) -> None:
            A = self.data.reshape(1, -1) if self.data.dim() == 1 else self.data
            B = other.data.reshape(-1, 1) if other.data.dim() == 1 else other.data
            G = g.reshape(A.shape[0], B.shape[1])
            self._accumulate((G @ B.T).reshape(self.data.shape))
            other._accumulate((A.T @ G).reshape(other.data.shape))

        out._backward = backward
        return out

    def __neg__(self) -> Var:
        return self * -1.0

    def __sub__(self, other) -> Var:
        return self + (-as_var(other))

    def __radd__(self, other) -> Var:
        return self + other

    def __rsub__(self, other) -> Var:
        return as_var(other) - self

    def __rmul__(self, other) -> Var:
        return self * other

    def __rtruediv__(self, other) -> Var:
        return as_var(other) / self

    # elementwise functions: y = f(x), dx = dy * f'(x)
    def _unary(self, value: Tensor, local_grad: Tensor, op: str) -> Var:
        out = Var(value, (self,), op=op)
        out._backward = lambda g: self._accumulate(g * local_grad)
        return out

    def exp(self) -> Var:
        e = self.data.exp()
        return self._unary(e, e, "exp")

    def log(self) -> Var:
        return self._unary(self.data.log(), 1 / self.data, "log")

    def tanh(self) -> Var:
        t = self.data.tanh()
        return self._unary(t, 1 - t**2, "tanh")

    def sigmoid(self) -> Var:
        s = 1 / (1 + (-self.data).exp())
        return self._unary(s, s * (1 - s), "sigmoid")

    def relu(self) -> Var:
        return self._unary(self.data.clamp(min=0), (self.data > 0).to(self.data.dtype), "relu")

    def sum(self, dim: int | None = None, keepdim: bool = False) -> Var:
        """The gradient of a sum spreads back unchanged over the summed entries."""
        value = self.data.sum() if dim is None else self.data.sum(dim, keepdim=keepdim)
        out = Var(value, (self,), op="sum")

        def backward(g: Tensor) -> None:
            if dim is not None and not keepdim:
                g = g.unsqueeze(dim)
            self._accumulate(g.expand_as(self.data))

        out._backward = backward
        return out

    def mean(self, dim: int | None = None, keepdim: bool = False) -> Var:
        n = self.data.numel() if dim is None else self.data.shape[dim]
        return self.sum(dim, keepdim) / float(n)

    def backward(self, grad: Tensor | None = None) -> None:
        """Add d self / d node to `.grad` of every node this one depends on (a scalar seeds 1). Leaves (inputs
        and parameters) accumulate over calls, as in torch: set their `.grad` to None between steps."""
        if grad is None:
            if self.data.numel() != 1:
                raise ValueError(f"backward() without a gradient needs a scalar, this is {tuple(self.shape)}")
            grad = torch.ones_like(self.data)
        order = topological_order(self)
        for node in order:  # intermediate results start afresh; leaves accumulate, as torch's do (zero them)
            if node.parents:
                node.grad = None
        self._accumulate(grad)
        for node in reversed(order):  # the output first: each node's gradient is complete before it is passed on
            if node._backward is not None and node.grad is not None:
                node._backward(node.grad)


def as_var(x) -> Var:
    return x if isinstance(x, Var) else Var(x)


def topological_order(root: Var) -> list[Var]:
    """Every node reachable from `root`, each after all of its parents (iterative depth-first search)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((p, False) for p in node.parents if id(p) not in seen)
    return order


def cross_entropy(logits: Var, y: Tensor) -> Var:
    """Mean cross-entropy of logits (B, C) against labels (B,), from the engine's ops (log-sum-exp shifted by the
    row maximum, a constant, for stability)."""
    shift = logits - logits.data.max(dim=1, keepdim=True).values
    log_z = shift.exp().sum(1, keepdim=True).log()
    picked = (shift * torch.nn.functional.one_hot(y, logits.shape[1]).to(logits.data.dtype)).sum(1, keepdim=True)
    return (log_z - picked).mean()
