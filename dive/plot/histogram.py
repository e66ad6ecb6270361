"""Histograms: the lengths of source and target sentences side by side (book §10.5.3, `show_list_len_pair_hist`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from dive.plot.figure import pyplot, save


def plot_length_histogram(
    src_lens: Sequence[int],
    tgt_lens: Sequence[int],
    path: str | os.PathLike,
    labels: tuple[str, str] = ("source", "target"),
    xlabel: str = "# tokens per sequence",
) -> Path:
    """Two histograms on one axis, shared bins: most pairs are short, which is why num_steps can be small."""
    fig, ax = pyplot().subplots(figsize=(5.5, 3.6))
    top = max(max(src_lens, default=1), max(tgt_lens, default=1))
    bins = range(0, top + 2)
    ax.hist([list(src_lens), list(tgt_lens)], bins=bins, label=list(labels))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    ax.legend()
    return save(fig, path)
