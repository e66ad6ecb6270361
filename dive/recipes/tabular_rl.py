"""Value iteration and Q-learning on FrozenLake (book §17.2, §17.3), on gymnasium instead of the book's gym 0.21.

- `value-iteration`: gamma 0.95, 10 iterations on the book's deterministic 4x4 lake. Every iteration's values
  and greedy policy (the book's figure, with "up" drawn as up), and how far each iteration is from the exact
  values of the optimal policy (value iteration run to convergence, its policy evaluated by a linear solve).
- `q-learning`: alpha 0.9, epsilon 0.9, gamma 0.95, 256 episodes; the learned greedy policy against the optimal
  one, its success rate over 1,000 evaluation episodes, and the first episode from which the greedy policy reaches
  the goal for good (the book only says it converges "roughly after 250 iterations").
The `slippery` profiles run the same on the slippery lake (a move goes astray 2 times in 3).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from dive.core import ConfigError
from dive.data.environments import FROZEN_LAKE_ACTIONS, frozen_lake
from dive.plot import plot_series, plot_value_progress
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import write_records
from dive.scratch.tabular_rl import policy_values, q_learning, success_rate, value_iteration


@dataclass(frozen=True)
class LakeConfig(TrainConfig):
    """Book §17.2/17.3: FrozenLake 4x4, not slippery, seed 0, gamma 0.95."""

    slippery: bool = False
    gamma: float = 0.95
    iters: int = 10  # value iteration's sweeps
    alpha: float = 0.9  # Q-learning's step size
    epsilon: float = 0.9  # Q-learning's exploration probability
    episodes: int = 256
    eval_episodes: int = 1000
    seeds: int = 20  # Q-learning runs (seed, seed + 1, ...), for when the greedy policy becomes optimal


KEY = ", ".join(f"{c}: {a}" for c, a in zip("<v>^", FROZEN_LAKE_ACTIONS, strict=True))


def check(cfg: LakeConfig) -> None:
    if not 0 < cfg.gamma < 1 or not 0 < cfg.alpha <= 1 or not 0 <= cfg.epsilon <= 1:
        raise ConfigError("--gamma is in (0, 1), --alpha in (0, 1], --epsilon in [0, 1]")
    if min(cfg.iters, cfg.episodes, cfg.eval_episodes, cfg.seeds) < 1:
        raise ConfigError("--iters, --episodes, --eval_episodes and --seeds are at least 1")


def optimal(mdp, gamma: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(pi*, V*): value iteration to convergence, then the exact values of its greedy policy."""
    _, _, pi = value_iteration(mdp.T, mdp.R, gamma, 1000)
    return pi[-1], policy_values(mdp.T, mdp.R, pi[-1], gamma)


def arrows(pi: torch.Tensor, mdp) -> str:
    """The policy as the map's rows of arrows (terminal cells as H / G)."""
    marks = "<v>^"
    cells = [c if c in "HG" else marks[int(a)] for c, a in zip("".join(mdp.desc), pi.tolist(), strict=True)]
    n = len(mdp.desc[0])
    return " / ".join("".join(cells[i : i + n]) for i in range(0, len(cells), n))


def run_value_iteration(cfg: LakeConfig, ctx: RunContext) -> RunResult:
    check(cfg)
    _, mdp = frozen_lake(cfg.slippery, cfg.seed)
    V, _, pi = value_iteration(mdp.T, mdp.R, cfg.gamma, cfg.iters)
    pi_star, V_star = optimal(mdp, cfg.gamma)
    gaps = [float((V[k] - V_star).abs().max()) for k in range(cfg.iters + 1)]
    write_records(ctx.out_dir / "history.jsonl", [{"kind": "iteration", "iteration": k, "max_gap": gaps[k],
                  "values": V[k].tolist(), "policy": pi[k].tolist()} for k in range(cfg.iters + 1)])  # fmt: skip
    plot_value_progress(mdp.desc, list(V[:-1]), list(pi[:-1]), ctx.out_dir / "values.png")
    plot_series({"max |V_k - V*|": (list(range(cfg.iters + 1)), gaps)}, ctx.out_dir / "gap.png", xlabel="iteration",
                ylabel="largest difference", title="value iteration against the exact optimal values")  # fmt: skip
    live = ~mdp.terminal & (V_star > 0)  # states from which the goal can be reached: their action matters
    agree = float((pi[-1] == pi_star)[live].float().mean())
    m = {"final_gap": gaps[-1], "start_value": float(V[-1, 0]), "start_value_exact": float(V_star[0]),
         "policy_agreement": agree}  # fmt: skip
    lake = "slippery" if cfg.slippery else "not slippery"
    lines = [f"value iteration, gamma {cfg.gamma}, {cfg.iters} iterations ({lake} lake): V(start) "
             f"{m['start_value']:.4f} (exact optimum {m['start_value_exact']:.4f}); largest gap to the exact values "
             f"by iteration: {', '.join(f'{g:.3f}' for g in gaps[1:])}",
             f"greedy policy: {arrows(pi[-1], mdp)} (agrees with the optimal policy on {agree:.0%} of the states "
             "that can reach the goal); values.png, gap.png"]  # fmt: skip
    return RunResult.of(m, lines)


def settled_at(
    env, mdp, cfg: LakeConfig, seed: int, V_star: torch.Tensor
) -> tuple[int | None, torch.Tensor, torch.Tensor]:
    """(the first episode from which the greedy policy is optimal at the start for good, or None; that policy's
    start value after each episode; the final greedy policy) for one seed."""
    _, greedy = q_learning(env, cfg.alpha, cfg.epsilon, cfg.gamma, cfg.episodes, seed)
    values = torch.stack([policy_values(mdp.T, mdp.R, g, cfg.gamma)[0] for g in greedy])
    good = values >= V_star[0] - 1e-6
    return next((e + 1 for e in range(cfg.episodes) if good[e:].all()), None), values, greedy[-1]


def run_q_learning(cfg: LakeConfig, ctx: RunContext) -> RunResult:
    check(cfg)
    _, mdp = frozen_lake(cfg.slippery, cfg.seed)
    pi_star, V_star = optimal(mdp, cfg.gamma)
    runs = [settled_at(frozen_lake(cfg.slippery, cfg.seed + i)[0], mdp, cfg, cfg.seed + i, V_star)
            for i in range(cfg.seeds)]  # fmt: skip
    settled, values, pi = runs[0]
    eval_env, _ = frozen_lake(cfg.slippery, cfg.seed + 1)
    rate = success_rate(eval_env, pi, cfg.eval_episodes, cfg.seed + 10_000)
    optimal_rate = success_rate(eval_env, pi_star, cfg.eval_episodes, cfg.seed + 10_000)
    when = [r[0] for r in runs]
    done = sorted(w for w in when if w is not None)
    write_records(ctx.out_dir / "history.jsonl", [{"kind": "episode", "episode": e + 1, "start_value": float(v)}
                                                  for e, v in enumerate(values)])  # fmt: skip
    plot_series({f"seed {cfg.seed + i}": (list(range(1, cfg.episodes + 1)), r[1].tolist()) for i, r in
                 enumerate(runs[:5])} | {"optimal": ([1, cfg.episodes], [float(V_star[0])] * 2)},
                ctx.out_dir / "curves.png", xlabel="episode", ylabel="greedy policy's value at the start",
                title="Q-learning on FrozenLake")  # fmt: skip
    m = {"converged_share": len(done) / cfg.seeds, "success_rate": rate, "optimal_success_rate": optimal_rate,
         "median_settled": float(done[len(done) // 2]) if done else float("nan")}  # fmt: skip
    first = f"from episode {settled} on" if settled else f"not within {cfg.episodes} episodes"
    spread = f"median episode {done[len(done) // 2]}, range {done[0]}-{done[-1]}" if done else "none"
    lines = [f"Q-learning, alpha {cfg.alpha}, epsilon {cfg.epsilon}, {cfg.episodes} episodes, seed {cfg.seed}: the "
             f"greedy policy is optimal {first}; it succeeds in {rate:.1%} of {cfg.eval_episodes:,} episodes "
             f"(the optimal policy: {optimal_rate:.1%})",
             f"over {cfg.seeds} seeds: optimal within {cfg.episodes} episodes in {len(done)} ({spread})",
             f"greedy policy: {arrows(pi, mdp)} ({KEY})"]  # fmt: skip
    return RunResult.of(m, lines)


BOOK = LakeConfig()
SLIPPERY = replace(BOOK, slippery=True)
MEASURED = "measured (exact arithmetic on the lake's MDP)"
recipe("value-iteration", section="17.2 Value Iteration (FrozenLake 4x4)", dataset="synthetic", metric="final_gap",
       higher_is_better=False, run=run_value_iteration, checkpoints=False,
       # the largest gap to the exact optimal values falls 0.950, 0.902, 0.857, 0.815, 0.774, then 0 from iteration
       # 6 (the start is 6 moves from the goal); V(start) 0.7738 = 0.95^5
       book=Profile(BOOK, band=(0.0, 1e-9), minutes=0.05, source=MEASURED),
       quick=Profile(BOOK, band=(0.0, 1e-9), minutes=0.05, source=MEASURED),
       tiny=Profile(replace(BOOK, iters=3)),
       # slippery: gap 0.509 after one sweep, 0.153 after ten; V(start) 0.028 against the optimum's 0.1805
       more={"slippery": Profile(SLIPPERY, band=(0.10, 0.20), minutes=0.05, source=MEASURED)},
)  # fmt: skip
recipe("q-learning", section="17.3 Q-Learning (FrozenLake 4x4)", dataset="synthetic", metric="converged_share",
       run=run_q_learning, checkpoints=False,
       # 20 seeds: the greedy policy is optimal within the book's 256 episodes for 17 (median episode 123, range
       # 43-250); seed 0 is one of the 3 that are not (0% success then, the optimal policy 100%); 5.5 s
       book=Profile(BOOK, band=(0.70, 0.95), minutes=0.1, source="measured over 20 seeds"),
       quick=Profile(BOOK, band=(0.70, 0.95), minutes=0.1, source="measured over 20 seeds"),
       tiny=Profile(replace(BOOK, episodes=20, eval_episodes=20, seeds=2)),
       # alpha 0.05, 10,000 episodes: the greedy policy succeeds in 50.9% (the optimal policy 72.6%); the book's
       # alpha 0.9 learns little here (5.1% after 2,000 episodes): each update follows one noisy transition
       more={"slippery": Profile(replace(SLIPPERY, alpha=0.05, episodes=10_000, seeds=1), band=(0.40, 0.75),
                                 minutes=0.3, source="measured, seed 0", metric="success_rate")},
)  # fmt: skip
