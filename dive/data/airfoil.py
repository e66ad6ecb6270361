"""NASA's airfoil self-noise data (book §12.5.2, `get_data_ch11`): 1,503 rows of 5 features and a sound level.

As the book: every column standardised with the mean and (population) standard deviation of all 1,503 rows, then
the first 1,500 rows kept: X (1500, 5), y (1500, 1). The chapter compares optimizers on one linear regression, so
there is no held-out split: the loss is measured on the same 1,500 rows.
"""

from __future__ import annotations

import os

import torch
from torch import Tensor

from dive.data.catalog import AIRFOIL
from dive.data.files import locate
from dive.data.synthetic import linear_data


def parse_airfoil(text: str) -> Tensor:
    """Tab-separated rows (CRLF tolerated) -> float32 (rows, 6)."""
    rows = [[float(v) for v in line.split("\t")] for line in text.splitlines() if line.strip()]
    if not rows or any(len(r) != 6 for r in rows):
        raise ValueError("airfoil rows must have 6 tab-separated numbers")
    return torch.tensor(rows, dtype=torch.float64)


def standardize_airfoil(data: Tensor, n: int = 1500) -> tuple[Tensor, Tensor]:
    """(X (n, 5), y (n, 1)) float32 after standardising every column over all rows. Using every row's statistics
    is harmless here only because nothing is held out."""
    data = (data - data.mean(0)) / data.std(0, unbiased=False)
    data = data[:n].float()
    return data[:, :-1], data[:, -1:]


def load_airfoil(root: str | os.PathLike | None = None, n: int = 1500) -> tuple[Tensor, Tensor]:
    text = (locate(AIRFOIL, root) / "airfoil_self_noise.dat").read_text()
    return standardize_airfoil(parse_airfoil(text), n)


def fake_airfoil(seed: int = 0, n: int = 300) -> tuple[Tensor, Tensor]:
    """A stand-in of `load_airfoil`'s shapes for tests: X (n, 5), y (n, 1) from a noisy linear model."""
    return linear_data([0.5, -0.3, 0.2, 0.1, -0.4], 0.0, n, 0.5, seed)
