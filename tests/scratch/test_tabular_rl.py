"""Value iteration and Q-learning on FrozenLake (book ch. 17): exact values by a linear solve, the arrows drawn."""

import pytest
import torch

pytest.importorskip("gymnasium")

from dive.data.environments import frozen_lake  # noqa: E402
from dive.plot.gridworld import ARROWS  # noqa: E402
from dive.scratch.tabular_rl import policy_values, q_learning, success_rate, value_iteration  # noqa: E402


def test_value_iteration_reaches_the_exact_optimal_values_of_the_books_lake():
    _, mdp = frozen_lake(slippery=False, seed=0)
    V, Q, pi = value_iteration(mdp.T, mdp.R, 0.95, 10)
    exact = policy_values(mdp.T, mdp.R, pi[-1], 0.95)
    torch.testing.assert_close(V[-1], exact, rtol=0, atol=1e-12)
    assert abs(float(V[-1, 0]) - 0.95**5) < 1e-12  # six moves from the start to the goal, the last one rewarded
    assert torch.equal(V[-1], Q[-1].max(dim=1).values)


def test_policy_values_solve_the_bellman_equation():
    _, mdp = frozen_lake(slippery=True, seed=0)
    pi = torch.randint(0, 4, (16,), generator=torch.Generator().manual_seed(0))
    V = policy_values(mdp.T, mdp.R, pi, 0.9)
    rows = torch.arange(16)
    torch.testing.assert_close(V, mdp.R[rows, pi] + 0.9 * mdp.T[rows, pi] @ V)


def test_arrows_point_where_the_actions_go():
    # FrozenLake: 0 left, 1 down, 2 right, 3 up; rows grow downward. The book's helper drew "up" as "left".
    assert ARROWS[3] == (0.0, -1.0) and ARROWS[0] == (-1.0, 0.0) and ARROWS[1] == (0.0, 1.0)
    assert len(set(ARROWS.values())) == 4


def test_q_learning_finds_the_optimal_policy_on_the_deterministic_lake():
    env, mdp = frozen_lake(slippery=False, seed=1)
    _, greedy = q_learning(env, 0.9, 0.9, 0.95, 256, seed=1)
    _, _, pi = value_iteration(mdp.T, mdp.R, 0.95, 50)
    assert policy_values(mdp.T, mdp.R, greedy[-1], 0.95)[0] == pytest.approx(
        float(policy_values(mdp.T, mdp.R, pi[-1], 0.95)[0])
    )
    assert success_rate(env, greedy[-1], episodes=20) == 1.0


def test_the_replay_buffer_keeps_the_last_transitions():
    from dive.scratch.dqn import ReplayBuffer

    b = ReplayBuffer(3, obs_dim=2)
    for i in range(5):
        b.add([i, i], i % 2, float(i), [i + 1, i + 1], i == 4)
    assert b.size == 3 and sorted(b.r.tolist()) == [2.0, 3.0, 4.0]
    s, a, r, s2, d = b.sample(8, torch.Generator().manual_seed(0))
    assert s.shape == (8, 2) and torch.equal(s2, s + 1) and set(r.tolist()) <= {2.0, 3.0, 4.0}
