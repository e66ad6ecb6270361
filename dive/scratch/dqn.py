"""Deep Q-learning (beyond book ch. 17: Q-learning with a network instead of a table), from scratch.

- `ReplayBuffer`: the last `capacity` transitions as preallocated tensors; uniform minibatches from a generator.
- `dqn(env, net, ...)`: epsilon-greedy acting with epsilon decaying linearly; after `learning_starts` steps, one
  minibatch update per environment step on the Huber loss between Q(s, a) and r + gamma max_a' Q_target(s', a')
  (double DQN: the online network picks a', the target network scores it); the target network copies the online
  one every `target_every` steps. Returns each episode's return.
- `evaluate(env, net, episodes, seed)`: the greedy policy's returns.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class ReplayBuffer:
    def __init__(self, capacity: int, obs_dim: int):
        self.s = torch.zeros(capacity, obs_dim)
        self.a = torch.zeros(capacity, dtype=torch.int64)
        self.r = torch.zeros(capacity)
        self.s2 = torch.zeros(capacity, obs_dim)
        self.done = torch.zeros(capacity)
        self.capacity, self.size, self.next = capacity, 0, 0

    def add(self, s, a: int, r: float, s2, done: bool) -> None:
        i = self.next
        self.s[i], self.a[i], self.r[i] = torch.as_tensor(s), a, r
        self.s2[i], self.done[i] = torch.as_tensor(s2), float(done)
        self.next = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, n: int, g: torch.Generator) -> tuple[Tensor, ...]:
        idx = torch.randint(0, self.size, (n,), generator=g)
        return self.s[idx], self.a[idx], self.r[idx], self.s2[idx], self.done[idx]


def dqn(env: Any, net: nn.Module, steps: int, *, gamma: float = 0.99, lr: float = 1e-3, batch_size: int = 64,
        buffer: int = 50_000, learning_starts: int = 1000, eps_start: float = 1.0, eps_end: float = 0.05,
        eps_steps: int = 10_000, target_every: int = 500, seed: int = 0) -> list[float]:  # fmt: skip
    """Train `net` (observation -> Q per action) for `steps` environment steps; the returns of finished episodes."""
    rng, g = random.Random(seed), torch.Generator().manual_seed(seed)
    target = copy.deepcopy(net)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    memory = ReplayBuffer(buffer, env.observation_space.shape[0])
    s, _ = env.reset(seed=seed)
    env.action_space.seed(seed)
    returns, episode = [], 0.0
    for t in range(steps):
        eps = max(eps_end, eps_start - (eps_start - eps_end) * t / eps_steps)
        if rng.random() < eps:
            a = rng.randrange(env.action_space.n)
        else:
            with torch.no_grad():
                a = int(net(torch.as_tensor(s, dtype=torch.float32)).argmax())
        s2, r, terminated, truncated, _ = env.step(a)
        memory.add(s, a, float(r), s2, terminated)  # a time-limit cut is not an end: bootstrap through it
        episode += float(r)
        s = s2
        if terminated or truncated:
            returns.append(episode)
            episode = 0.0
            s, _ = env.reset()
        if t >= learning_starts:
            S, A, R, S2, D = memory.sample(batch_size, g)
            with torch.no_grad():
                best = net(S2).argmax(dim=1, keepdim=True)
                y = R + gamma * (1 - D) * target(S2).gather(1, best).squeeze(1)
            loss = F.smooth_l1_loss(net(S).gather(1, A[:, None]).squeeze(1), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        if t % target_every == 0:
            target.load_state_dict(net.state_dict())
    return returns


@torch.no_grad()
def evaluate(env: Any, net: nn.Module, episodes: int = 100, seed: int = 10_000) -> list[float]:
    out = []
    for e in range(episodes):
        s, _ = env.reset(seed=seed + e)
        total, done = 0.0, False
        while not done:
            s, r, terminated, truncated, _ = env.step(int(net(torch.as_tensor(s, dtype=torch.float32)).argmax()))
            total += float(r)
            done = terminated or truncated
        out.append(total)
    return out
