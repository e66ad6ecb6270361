"""Training curves from recorded history (the book's animated `ProgressBoard`, drawn once, to a file)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dive.plot.figure import pyplot, save

_SKIP = {"kind", "epoch", "step", "examples_per_sec", "epoch_seconds", "lr"}


def plot_history(records: Sequence[Mapping[str, Any]], path: str | os.PathLike, title: str = "") -> Path:
    """Loss curves (left) and other metrics (right) against epoch; per-step loss drawn faintly behind.

    `records` are History lines: {"kind": "epoch", "epoch": 3, "train_loss": ..., "test_acc": ...} and
    {"kind": "step", "step": 120, "loss": ...}.
    """
    epochs = [r for r in records if r.get("kind") == "epoch"]
    steps = [r for r in records if r.get("kind") == "step"]
    keys = [k for k in (epochs[0] if epochs else {}) if k not in _SKIP]
    loss_keys = [k for k in keys if k.endswith("loss")]
    other_keys = [k for k in keys if not k.endswith("loss")]
    ncols = 2 if other_keys else 1
    fig, axes = pyplot().subplots(1, ncols, figsize=(5.5 * ncols, 3.6), squeeze=False)
    ax = axes[0][0]
    if steps and epochs:
        per_epoch = epochs[0]["step"] / max(epochs[0]["epoch"], 1)
        ax.plot(
            [s["step"] / per_epoch for s in steps], [s["loss"] for s in steps], color="0.8", lw=0.8, label="batch loss"
        )
    for k in loss_keys:
        ax.plot([r["epoch"] for r in epochs], [r[k] for r in epochs], marker="o", ms=3, label=k.replace("_", " "))
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if loss_keys and all(r[k] > 0 for r in epochs for k in loss_keys) and _spread(epochs, loss_keys) > 30:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    if other_keys:
        ax2 = axes[0][1]
        for k in other_keys:
            ax2.plot([r["epoch"] for r in epochs], [r[k] for r in epochs], marker="o", ms=3, label=k.replace("_", " "))
        ax2.set_xlabel("epoch")
        ax2.grid(alpha=0.3)
        ax2.legend()
    if title:
        fig.suptitle(title)
    return save(fig, path)


def _spread(records: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> float:
    values = [r[k] for r in records for k in keys]
    return max(values) / min(values) if values and min(values) > 0 else 1.0


def plot_series(
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    path: str | os.PathLike,
    *,
    xlabel: str = "epoch",
    ylabel: str = "",
    logy: bool = False,
    logx: bool = False,
    title: str = "",
    styles: Mapping[str, str] | None = None,
) -> Path:
    """Several named (x, y) lines on one axis, e.g. train and test loss of the polynomial experiment.

    `logx` and `logy` together make a log-log plot (Zipf's law, book §9.2); `styles` maps a name to a matplotlib
    format string such as ":" or "o".
    """
    fig, ax = pyplot().subplots(figsize=(5.5, 3.6))
    for name, (x, y) in series.items():
        ax.plot(list(x), list(y), (styles or {}).get(name, "-"), label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if logx:
        ax.set_xscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    return save(fig, path)


def plot_zipf(freqs: Mapping[str, Sequence[int]], path: str | os.PathLike, title: str = "") -> Path:
    """Frequency against rank on log-log axes, one line per list of counts (book §9.2, Zipf's law).

    Word frequencies fall off as n_i ~ 1 / i^alpha: a straight line here. Bigrams and trigrams follow it too,
    with a smaller alpha, which is why n-gram tables are mostly empty and a learned model is needed.
    """
    series = {name: (range(1, len(f) + 1), list(f)) for name, f in freqs.items()}
    return plot_series(
        series, path, xlabel="token: x (rank)", ylabel="frequency: n(x)", logx=True, logy=True, title=title
    )
