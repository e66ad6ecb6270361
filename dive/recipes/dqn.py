"""Deep Q-learning on CartPole-v1 (beyond book ch. 17, gymnasium's classic control: no extra dependency).

Chapter 17's Q-learning with a 4-128-128-2 network instead of a table: a replay buffer of 50,000 transitions,
double-DQN targets from a target network copied every 500 steps, epsilon from 1 to 0.05 over the first 10,000 steps,
Huber loss, Adam 1e-3, one minibatch of 64 per step. Scored by the greedy policy's mean return over 100 evaluation
episodes (CartPole-v1 stops at 500; "solved" is 195 for v0's 200-step episodes, the classic threshold). The
environment and every draw are seeded, so a run repeats.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace

import torch
from safetensors.torch import save_file
from torch import nn

from dive.core import ConfigError
from dive.data.environments import gymnasium
from dive.plot import plot_series
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import write_records
from dive.scratch.dqn import dqn, evaluate


@dataclass(frozen=True)
class DQNConfig(TrainConfig):
    steps: int = 80_000  # environment steps (one minibatch update each after the first `learning_starts`)
    lr: float = 1e-3
    hidden: int = 128
    batch_size: int = 64
    gamma: float = 0.99
    target_every: int = 500
    eps_steps: int = 10_000
    learning_starts: int = 1000
    eval_episodes: int = 100


def run(cfg: DQNConfig, ctx: RunContext) -> RunResult:
    if cfg.steps < 1 or cfg.eval_episodes < 1 or not 0 < cfg.gamma < 1:
        raise ConfigError("--steps and --eval_episodes are at least 1, --gamma in (0, 1)")
    gym = gymnasium()
    torch.manual_seed(cfg.seed)
    net = nn.Sequential(nn.Linear(4, cfg.hidden), nn.ReLU(), nn.Linear(cfg.hidden, cfg.hidden), nn.ReLU(),
                        nn.Linear(cfg.hidden, 2))  # fmt: skip
    returns = dqn(gym.make("CartPole-v1"), net, cfg.steps, gamma=cfg.gamma, lr=cfg.lr, batch_size=cfg.batch_size,
                  learning_starts=min(cfg.learning_starts, cfg.steps), eps_steps=cfg.eps_steps,
                  target_every=cfg.target_every, seed=cfg.seed)  # fmt: skip
    scores = evaluate(gym.make("CartPole-v1"), net, cfg.eval_episodes, seed=cfg.seed + 10_000)
    save_file(net.state_dict(), str(ctx.out_dir / "q_network.safetensors"))
    write_records(ctx.out_dir / "history.jsonl", [{"kind": "episode", "episode": i + 1, "return": r}
                                                  for i, r in enumerate(returns)])  # fmt: skip
    window = [statistics.mean(returns[max(0, i - 19) : i + 1]) for i in range(len(returns))]
    plot_series({"return": (list(range(1, len(returns) + 1)), returns),
                 "mean of the last 20": (list(range(1, len(returns) + 1)), window)}, ctx.out_dir / "curves.png",
                xlabel="training episode", ylabel="return", title="DQN on CartPole-v1")  # fmt: skip
    m = {"eval_return": statistics.mean(scores), "eval_min": min(scores), "episodes": float(len(returns))}
    lines = [f"DQN, {cfg.steps:,} steps ({len(returns)} training episodes): the greedy policy's mean return over "
             f"{cfg.eval_episodes} episodes {m['eval_return']:.1f} (lowest {m['eval_min']:.0f}; 500 is the most, 195 "
             "'solved')"]  # fmt: skip
    return RunResult.of(m, lines)


BOOK = DQNConfig()
recipe("dqn", section="17.3+ Deep Q-learning on CartPole-v1 (beyond the book)", dataset="synthetic",
       metric="eval_return", run=run, checkpoints=False,
       # seeds 0, 1, 2: mean evaluation return 500.0, 420.6, 425.0 (lowest 500, 55, 12); 80-100 s of training
       book=Profile(BOOK, band=(195, 500), minutes=2.5, source="measured, seeds 0-2"),
       quick=Profile(BOOK, band=(195, 500), minutes=2.5, source="measured, seeds 0-2"),
       tiny=Profile(replace(BOOK, steps=300, learning_starts=100, eval_episodes=2, hidden=16)),
)  # fmt: skip
