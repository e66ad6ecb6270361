"""Kaggle house prices (book §5.7), preprocessed without looking at the data it will be tested on.

The book standardises the numeric features with statistics of train *and* test rows together, which leaks test
information into training. `HousePreprocessor` is fitted on training rows only (in K-fold, on the fold's training
part) and then applied unchanged to validation and test rows:
- numeric columns: (x - mean) / std, then missing values -> 0 (the mean);
- categorical columns: one-hot over the categories seen in training, plus a "missing" indicator; an unseen category
  becomes all zeros.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import Tensor

from dive.data.catalog import KAGGLE_HOUSE
from dive.data.files import locate

if TYPE_CHECKING:
    import pandas as pd

LABEL = "SalePrice"


def read_kaggle_house(root: str | os.PathLike | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) DataFrames; train has the `SalePrice` column, test does not."""
    import pandas as pd  # imported here: only this dataset needs it

    d = locate(KAGGLE_HOUSE, root)
    return pd.read_csv(d / "kaggle_house_pred_train.csv"), pd.read_csv(d / "kaggle_house_pred_test.csv")


@dataclass
class HousePreprocessor:
    """Standardise numeric and one-hot categorical features, with statistics from `fit`'s rows only."""

    numeric: list[str] = field(default_factory=list)
    mean: dict[str, float] = field(default_factory=dict)
    std: dict[str, float] = field(default_factory=dict)
    categories: dict[str, list[str]] = field(default_factory=dict)

    def fit(self, df: pd.DataFrame) -> HousePreprocessor:
        from pandas.api.types import is_numeric_dtype

        features = _features(df)
        self.numeric = [c for c in features.columns if is_numeric_dtype(features[c])]
        for c in self.numeric:
            self.mean[c] = float(features[c].mean())
            std = float(features[c].std())
            self.std[c] = std if std > 0 else 1.0
        for c in features.columns:
            if c not in self.numeric:
                self.categories[c] = sorted(str(v) for v in features[c].dropna().unique())
        return self

    @property
    def num_features(self) -> int:
        return len(self.numeric) + sum(len(v) + 1 for v in self.categories.values())

    def transform(self, df: pd.DataFrame) -> Tensor:
        """Feature matrix float32 (n, num_features)."""
        features = _features(df)
        cols = []
        for c in self.numeric:
            cols.append(((features[c] - self.mean[c]) / self.std[c]).fillna(0.0).to_numpy(dtype="float64"))
        for c, cats in self.categories.items():
            present = features[c].notna().to_numpy()
            values = features[c].astype(str).to_numpy()
            for cat in cats:
                cols.append(((values == cat) & present).astype("float64"))
            cols.append((~present).astype("float64"))
        if not cols:
            return torch.zeros(len(df), 0)
        return torch.tensor(np.stack(cols, axis=1), dtype=torch.float32)


def _features(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=[c for c in ("Id", LABEL) if c in df.columns])


def labels_of(df: pd.DataFrame) -> Tensor:
    """SalePrice as float32 (n, 1)."""
    return torch.tensor(df[LABEL].to_numpy(dtype="float64"), dtype=torch.float32).reshape(-1, 1)


def k_fold_indices(n: int, k: int) -> list[tuple[Tensor, Tensor]]:
    """The book's K-fold split: k contiguous folds of n // k rows (the remainder always trains); (train, valid) each."""
    if k < 2:
        raise ValueError(f"k-fold needs k >= 2, got {k}")
    size = n // k
    folds = []
    for i in range(k):
        valid = torch.arange(i * size, (i + 1) * size)
        train = torch.cat([torch.arange(0, i * size), torch.arange((i + 1) * size, n)])
        folds.append((train, valid))
    return folds


def fake_house_frames(n_train: int = 64, n_test: int = 32, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Small frames shaped like the Kaggle files (Id, numeric, categorical with gaps, SalePrice) for tests."""
    import pandas as pd

    g = torch.Generator().manual_seed(seed)

    def make(n: int, start: int, with_label: bool) -> pd.DataFrame:
        area = (torch.rand(n, generator=g) * 2000 + 500).tolist()
        qual = torch.randint(1, 10, (n,), generator=g).tolist()
        zone = [("RL", "RM", "FV", None)[i] for i in torch.randint(0, 4, (n,), generator=g).tolist()]
        frontage = [None if i % 7 == 0 else 60.0 + i % 30 for i in range(n)]
        df = pd.DataFrame(
            {
                "Id": range(start, start + n),
                "LotArea": area,
                "OverallQual": qual,
                "MSZoning": zone,
                "LotFrontage": frontage,
            }
        )
        if with_label:
            df[LABEL] = [50_000 + 60 * a + 15_000 * q for a, q in zip(area, qual, strict=True)]
        return df

    return make(n_train, 1, True), make(n_test, 1 + n_train, False)
