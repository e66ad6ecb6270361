"""Gaussian processes from scratch (book §18.2 priors, §18.3 inference), in float64 torch.

- `rbf_kernel(a, b, lengthscale, amplitude)`: amplitude^2 exp(-|a - b|^2 / (2 lengthscale^2)). The book's
  `rbfkernel` divides by 2 lengthscale, not 2 lengthscale^2 (upstream PR 2665): its "length-scale" is the square of
  the one in its text, so its prior pictures for ls 0.1 ... 10 show length-scales 0.32 ... 3.2.
- `prior_samples`: draws from a zero-mean GP prior (a Cholesky factor of K + jitter times standard normals).
- `posterior(x, y, x_star, hypers)`: the exact posterior of f at `x_star` given noisy observations y = f(x) + eps,
  through one Cholesky factorisation of K + noise^2 I: mean K_*^T (K + s^2 I)^-1 y, covariance
  K_** - K_*^T (K + s^2 I)^-1 K_*; and the log marginal likelihood
  -1/2 y^T (K + s^2 I)^-1 y - sum log diag(L) - n/2 log 2 pi.
- `fit_hypers`: maximise that log marginal likelihood over log length-scale, log amplitude and log noise with
  torch's L-BFGS (the book uses scipy).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor


def rbf_kernel(a: Tensor, b: Tensor, lengthscale: float | Tensor, amplitude: float | Tensor = 1.0) -> Tensor:
    """(n,) and (m,) inputs -> (n, m) covariances."""
    d2 = (a[:, None] - b[None, :]) ** 2
    return amplitude**2 * torch.exp(-d2 / (2 * lengthscale**2))


def prior_samples(x: Tensor, kernel: Tensor, n: int, seed: int = 0, jitter: float = 1e-8) -> Tensor:
    """(n, len(x)) draws from N(0, kernel)."""
    L = torch.linalg.cholesky(kernel + jitter * torch.eye(len(x), dtype=kernel.dtype))
    g = torch.Generator().manual_seed(seed)
    return (L @ torch.randn(len(x), n, generator=g, dtype=kernel.dtype)).T


@dataclass
class Hypers:
    lengthscale: float
    amplitude: float
    noise: float  # the observation noise's standard deviation


@dataclass
class Posterior:
    mean: Tensor  # (m,)
    cov: Tensor  # (m, m), of f (add noise^2 on the diagonal for a new observation)
    log_marginal: float


def posterior(x: Tensor, y: Tensor, x_star: Tensor, h: Hypers) -> Posterior:
    K = rbf_kernel(x, x, h.lengthscale, h.amplitude) + h.noise**2 * torch.eye(len(x), dtype=x.dtype)
    L = torch.linalg.cholesky(K)
    alpha = torch.cholesky_solve(y[:, None], L)[:, 0]
    K_s = rbf_kernel(x, x_star, h.lengthscale, h.amplitude)
    v = torch.linalg.solve_triangular(L, K_s, upper=False)
    cov = rbf_kernel(x_star, x_star, h.lengthscale, h.amplitude) - v.T @ v
    return Posterior(K_s.T @ alpha, cov, float(log_marginal(y, L, alpha)))


def log_marginal(y: Tensor, L: Tensor, alpha: Tensor) -> Tensor:
    return -0.5 * y @ alpha - torch.log(torch.diagonal(L)).sum() - 0.5 * len(y) * math.log(2 * math.pi)


def fit_hypers(x: Tensor, y: Tensor, start: Hypers, steps: int = 100) -> tuple[Hypers, list[float]]:
    """Maximise the log marginal likelihood (L-BFGS on the logs of the three hyperparameters); the trace of its
    value per step."""
    logs = torch.tensor([math.log(start.lengthscale), math.log(start.amplitude), math.log(start.noise)],
                        dtype=x.dtype, requires_grad=True)  # fmt: skip
    opt = torch.optim.LBFGS([logs], lr=0.5, max_iter=steps, line_search_fn="strong_wolfe")
    trace: list[float] = []

    def closure() -> Tensor:
        opt.zero_grad()
        ls, amp, noise = logs.exp()
        K = rbf_kernel(x, x, ls, amp) + noise**2 * torch.eye(len(x), dtype=x.dtype)
        L = torch.linalg.cholesky(K)
        nll = -log_marginal(y, L, torch.cholesky_solve(y[:, None], L)[:, 0])
        nll.backward()
        trace.append(-float(nll.detach()))
        return nll

    opt.step(closure)
    ls, amp, noise = logs.detach().exp().tolist()
    return Hypers(ls, amp, noise), trace


def nlpd(mean: Tensor, var: Tensor, y: Tensor) -> float:
    """Mean negative log predictive density of observations y under N(mean, var) per point."""
    return float((0.5 * torch.log(2 * math.pi * var) + 0.5 * (y - mean) ** 2 / var).mean())
