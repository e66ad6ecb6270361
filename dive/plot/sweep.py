"""Pictures of a hyperparameter search (book §19.2, 19.4): the incumbent's trajectory, and each trial's result
against each hyperparameter or against its budget (one dot per trial and rung)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from dive.plot.figure import pyplot, save


def plot_incumbents(curves: Mapping[str, tuple[Sequence[float], Sequence[float]]], path: str | os.PathLike,
                    metric: str, title: str = "") -> Path:  # fmt: skip
    """Best `metric` so far against wall-clock seconds, one step curve per search (label -> (seconds, best))."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    for label, (seconds, best) in curves.items():
        ax.step(seconds, best, where="post", label=label, marker="o", markersize=3)
    ax.set(xlabel="wall-clock seconds", ylabel=f"best {metric} so far", title=title or "incumbent trajectory")
    ax.grid(alpha=0.3)
    if len(curves) > 1:
        ax.legend()
    return save(fig, path)


Row = Mapping[str, float]


def plot_trials(rows: Sequence[Row], params: Sequence[str], metric: str, path: str | os.PathLike,
                log: Sequence[str] = (), title: str = "", stopped: Sequence[Row] = ()) -> Path:  # fmt: skip
    """One panel per hyperparameter: each finished trial's `metric` against its value (log axis for `log`);
    `stopped` trials (pruned early) as grey crosses at their last reported value."""
    plt = pyplot()
    fig, axes = plt.subplots(1, max(1, len(params)), figsize=(3.6 * max(1, len(params)), 3.2), squeeze=False)
    for ax, name in zip(axes[0], params, strict=False):
        if stopped:
            ax.scatter([r[name] for r in stopped], [r[metric] for r in stopped], s=18, marker="x", color="0.6",
                       label="stopped early")  # fmt: skip
        ax.scatter([r[name] for r in rows], [r[metric] for r in rows], s=18, label="finished")
        ax.set(xlabel=name, ylabel=metric)
        if name in log:
            ax.set_xscale("log")
        ax.grid(alpha=0.3)
    if stopped:
        axes[0][0].legend(fontsize=8)
    fig.suptitle(title or f"{len(rows)} finished trials" + (f", {len(stopped)} stopped early" if stopped else ""))
    return save(fig, path)


def plot_rungs(points: Sequence[tuple[float, float]], path: str | os.PathLike, metric: str, title: str = "") -> Path:
    """Successive halving's picture (book §19.4): each trial's `metric` at each budget (epochs) it reached."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.scatter([p[0] for p in points], [p[1] for p in points], s=16, alpha=0.7)
    ax.set(xlabel="epochs (rung)", ylabel=metric, title=title or "successive halving")
    ax.grid(alpha=0.3)
    return save(fig, path)
