"""Tabular reinforcement learning from scratch (book §17.2 value iteration, §17.3 Q-learning).

- `value_iteration(T, R, gamma, iters)`: Q_k(s, a) = R(s, a) + gamma sum_s' T(s, a, s') V_{k-1}(s'),
  V_k = max_a Q_k, pi_k = argmax_a Q_k; every iteration kept (the book draws them all). Whole-tensor: one einsum
  per iteration instead of the book's four nested loops.
- `policy_values(T, R, pi, gamma)`: the exact values of a deterministic policy, (I - gamma T_pi)^-1 R_pi (a linear
  solve), to check value iteration against.
- `q_learning(env, alpha, epsilon, gamma, episodes, seed)`: the book's epsilon-greedy Q-learning on a gymnasium
  environment (a random action with probability epsilon), the greedy policy recorded after every episode.
- `success_rate(env, pi, episodes, seed)`: the share of episodes a policy ends on a reward.
"""

from __future__ import annotations

import random
from typing import Any

import torch
from torch import Tensor


def value_iteration(T: Tensor, R: Tensor, gamma: float, iters: int) -> tuple[Tensor, Tensor, Tensor]:
    """(V (iters+1, S), Q (iters+1, S, A), pi (iters+1, S)); row 0 is the all-zero start."""
    S, A = R.shape
    V = torch.zeros(iters + 1, S, dtype=R.dtype)
    Q = torch.zeros(iters + 1, S, A, dtype=R.dtype)
    pi = torch.zeros(iters + 1, S, dtype=torch.int64)
    for k in range(1, iters + 1):
        Q[k] = R + gamma * torch.einsum("sat,t->sa", T, V[k - 1])
        V[k], pi[k] = Q[k].max(dim=1)
    return V, Q, pi


def policy_values(T: Tensor, R: Tensor, pi: Tensor, gamma: float) -> Tensor:
    """V^pi (S,) exactly: the solution of V = R_pi + gamma T_pi V."""
    rows = torch.arange(len(pi))
    T_pi, R_pi = T[rows, pi], R[rows, pi]
    return torch.linalg.solve(torch.eye(len(pi), dtype=T.dtype) - gamma * T_pi, R_pi)


def q_learning(env: Any, alpha: float, epsilon: float, gamma: float, episodes: int, seed: int = 0,
               max_steps: int = 100) -> tuple[Tensor, Tensor]:  # fmt: skip
    """(Q (S, A), the greedy policy after each episode (episodes, S)); exploration from `random.Random(seed)`."""
    rng = random.Random(seed)
    S, A = env.observation_space.n, env.action_space.n
    Q = torch.zeros(S, A, dtype=torch.float64)
    greedy = torch.zeros(episodes, S, dtype=torch.int64)
    for e in range(episodes):
        s, _ = env.reset(seed=seed + e)
        for _ in range(max_steps):
            a = rng.randrange(A) if rng.random() < epsilon else int(Q[s].argmax())
            s2, r, terminated, truncated, _ = env.step(a)
            target = r + (0.0 if terminated else gamma * float(Q[s2].max()))
            Q[s, a] = (1 - alpha) * Q[s, a] + alpha * target
            s = s2
            if terminated or truncated:
                break
        greedy[e] = Q.argmax(dim=1)
    return Q, greedy


def success_rate(env: Any, pi: Tensor, episodes: int = 1000, seed: int = 0, max_steps: int = 100) -> float:
    """The share of `episodes` on which following `pi` ends with a positive reward."""
    wins = 0
    for e in range(episodes):
        s, _ = env.reset(seed=seed + e)
        for _ in range(max_steps):
            s, r, terminated, truncated, _ = env.step(int(pi[s]))
            if terminated or truncated:
                wins += r > 0
                break
    return wins / episodes
