"""The optimization algorithms of book chapter 12 from scratch, each a `torch.optim.Optimizer` so the one `fit`
loop (and any PyTorch code) can drive them. g is the gradient, t the step count, all operations elementwise.

    Momentum (§12.6)  v <- beta v + g;                       x <- x - lr v
    AdaGrad (§12.7)   s <- s + g^2;                          x <- x - lr g / sqrt(s + eps)
    RMSProp (§12.8)   s <- gamma s + (1 - gamma) g^2;        x <- x - lr g / sqrt(s + eps)
    Adadelta (§12.9)  s <- rho s + (1 - rho) g^2;  g' = sqrt((dx + eps) / (s + eps)) g;  x <- x - lr g';
                      dx <- rho dx + (1 - rho) g'^2          (the book has no lr: lr = 1)
    Adam (§12.10)     v <- b1 v + (1 - b1) g;  s <- b2 s + (1 - b2) g^2;  v^ = v / (1 - b1^t);  s^ = s / (1 - b2^t);
                      x <- x - lr v^ / (sqrt(s^) + eps)
    Yogi (§12.10.3)   as Adam, but s <- s + (1 - b2) g^2 sign(g^2 - s): s moves towards g^2 by a bounded step

Where torch differs: its Adagrad and RMSprop add eps *outside* the square root (sqrt(s) + eps); the book puts it
inside. The two agree exactly when eps = 0, which is how the parity tests compare them.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor

from dive.scratch.optim import ScratchOptimizer


class Momentum(ScratchOptimizer):
    def __init__(self, params: Iterable[Tensor], lr: float, beta: float = 0.5) -> None:
        super().__init__(params, {"lr": lr, "beta": beta})

    def update(self, p, g, state, group) -> None:
        v = state.setdefault("v", torch.zeros_like(p))
        v.mul_(group["beta"]).add_(g)
        p.sub_(group["lr"] * v)


class AdaGrad(ScratchOptimizer):
    def __init__(self, params: Iterable[Tensor], lr: float, eps: float = 1e-6) -> None:
        super().__init__(params, {"lr": lr, "eps": eps})

    def update(self, p, g, state, group) -> None:
        s = state.setdefault("s", torch.zeros_like(p))
        s.add_(g * g)
        p.sub_(group["lr"] * g / torch.sqrt(s + group["eps"]))


class RMSProp(ScratchOptimizer):
    def __init__(self, params: Iterable[Tensor], lr: float, gamma: float = 0.9, eps: float = 1e-6) -> None:
        super().__init__(params, {"lr": lr, "gamma": gamma, "eps": eps})

    def update(self, p, g, state, group) -> None:
        s = state.setdefault("s", torch.zeros_like(p))
        s.mul_(group["gamma"]).add_((1 - group["gamma"]) * g * g)
        p.sub_(group["lr"] * g / torch.sqrt(s + group["eps"]))


class Adadelta(ScratchOptimizer):
    def __init__(self, params: Iterable[Tensor], rho: float = 0.9, eps: float = 1e-5, lr: float = 1.0) -> None:
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps})

    def update(self, p, g, state, group) -> None:
        rho, eps = group["rho"], group["eps"]
        s = state.setdefault("s", torch.zeros_like(p))
        delta = state.setdefault("delta", torch.zeros_like(p))
        s.mul_(rho).add_((1 - rho) * g * g)
        g_prime = torch.sqrt(delta + eps) / torch.sqrt(s + eps) * g  # rescaled: units of x, not of the gradient
        p.sub_(group["lr"] * g_prime)
        delta.mul_(rho).add_((1 - rho) * g_prime * g_prime)


class Adam(ScratchOptimizer):
    def __init__(
        self, params: Iterable[Tensor], lr: float = 0.01, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-6
    ) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

    def second_moment(self, s: Tensor, g2: Tensor, beta2: float) -> None:
        s.mul_(beta2).add_((1 - beta2) * g2)

    def update(self, p, g, state, group) -> None:
        beta1, beta2 = group["betas"]
        v = state.setdefault("v", torch.zeros_like(p))
        s = state.setdefault("s", torch.zeros_like(p))
        state["t"] = state.get("t", 0) + 1
        v.mul_(beta1).add_((1 - beta1) * g)
        self.second_moment(s, g * g, beta2)
        v_hat = v / (1 - beta1 ** state["t"])  # the bias correction: v and s start at 0
        s_hat = s / (1 - beta2 ** state["t"])
        p.sub_(group["lr"] * v_hat / (torch.sqrt(s_hat) + group["eps"]))


class Yogi(Adam):
    """Adam whose second moment changes by at most (1 - b2) g^2 per step, so a burst of large gradients cannot
    blow it up (or a run of small ones make it forget the large) as quickly (Zaheer et al. 2018)."""

    def __init__(
        self, params: Iterable[Tensor], lr: float = 0.01, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-3
    ) -> None:
        super().__init__(params, lr, betas, eps)

    def second_moment(self, s: Tensor, g2: Tensor, beta2: float) -> None:
        s.add_((1 - beta2) * g2 * torch.sign(g2 - s))


OPTIMIZERS: dict[str, type[torch.optim.Optimizer]] = {
    "momentum": Momentum,
    "adagrad": AdaGrad,
    "rmsprop": RMSProp,
    "adadelta": Adadelta,
    "adam": Adam,
    "yogi": Yogi,
}
