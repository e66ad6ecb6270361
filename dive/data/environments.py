"""Reinforcement-learning environments (book ch. 17) from gymnasium, the maintained successor of the gym 0.21
that the book pins; imported on first use (an optional dependency: dive-dl[rl]).

- `frozen_lake(slippery, seed)`: FrozenLake 4x4 as the book makes it (`is_slippery=False`, seed 0; the slippery
  version is the harder variant) and its MDP as tensors: `T` (S, A, S) transition probabilities, `R` (S, A) expected
  rewards, the map. gymnasium's terminal states (holes, the goal) loop on themselves with reward 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from dive.core import DiveError

FROZEN_LAKE_ACTIONS = ("left", "down", "right", "up")  # gymnasium's action ids 0-3


def gymnasium() -> Any:
    try:
        import gymnasium as gym
    except ImportError:
        raise DiveError("the reinforcement-learning recipes run on gymnasium: pip install 'dive-dl[rl]'") from None
    return gym


@dataclass
class MDP:
    """A finite MDP: `T` float64 (S, A, S), `R` float64 (S, A), `desc` the map's rows, `terminal` bool (S,)."""

    T: Tensor
    R: Tensor
    desc: list[str]
    terminal: Tensor


def frozen_lake(slippery: bool = False, seed: int = 0) -> tuple[Any, MDP]:
    """(environment reset with `seed`, its MDP)."""
    env = gymnasium().make("FrozenLake-v1", map_name="4x4", is_slippery=slippery)
    env.reset(seed=seed)
    env.action_space.seed(seed)
    base = env.unwrapped
    S, A = base.observation_space.n, base.action_space.n
    T, R = torch.zeros(S, A, S, dtype=torch.float64), torch.zeros(S, A, dtype=torch.float64)
    for s in range(S):
        for a in range(A):
            for p, nxt, reward, _ in base.P[s][a]:
                T[s, a, nxt] += p
                R[s, a] += p * reward
    desc = ["".join(c.decode() for c in row) for row in base.desc]
    terminal = torch.tensor([c in "HG" for c in "".join(desc)])
    return env, MDP(T, R, desc, terminal)
