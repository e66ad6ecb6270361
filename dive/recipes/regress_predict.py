"""Inference for the regression recipes (book §3, 5.7, 9.1, 11.2, 12): numbers in, numbers out.

An input is one row of the model's features: "2.0,-3.4" on the command line, or a list / tensor in Python. The run's
metadata says how many features a row has (`features`) and, where the book's inputs are not the features
themselves, how a row is made from them: `expand = "polynomial"` reads one x and makes x^i / i! (book §3.6).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from dive.core import DiveError
from dive.recipes.parts import Prediction, Predictor, Trained, shorten

MAX_ROWS = 100_000  # rows one call predicts (a float32 row of 200 features is 800 bytes)


def parse_row(x: Any) -> list[float]:
    """'1.5, -2' / [1.5, -2] / a 1-D tensor -> [1.5, -2.0]; a clear line for anything else."""
    if isinstance(x, Tensor):
        return [float(v) for v in x.reshape(-1).tolist()]
    if isinstance(x, str):
        try:
            values = [float(v) for v in x.replace(";", ",").split(",") if v.strip()]
        except ValueError:
            raise DiveError(f"a row is numbers separated by commas, e.g. 2.0,-3.4; got {shorten(x)!r}") from None
    elif isinstance(x, Sequence):
        values = [float(v) for v in x]
    else:
        values = [float(x)]
    if not all(math.isfinite(v) for v in values):
        raise DiveError(f"a row holds a value that is not a finite number: {shorten(str(x))!r}")
    return values


def feature_rows(inputs: list[Any], meta: dict[str, Any]) -> Tensor:
    """float32 (n, features): each input row, expanded as the run's metadata says."""
    if not inputs:
        raise DiveError("give one or more rows of numbers to predict on")
    if len(inputs) > MAX_ROWS:
        raise DiveError(f"{len(inputs):,} rows: at most {MAX_ROWS:,} in one call")
    width, expand = meta["features"], meta.get("expand")
    rows = [parse_row(x) for x in inputs]
    if expand == "polynomial":
        if any(len(r) != 1 for r in rows):
            raise DiveError("this model reads one number x per row (its features are x^i / i!)")
        return torch.tensor([[r[0] ** i / math.factorial(i) for i in range(width)] for r in rows])
    bad = next((r for r in rows if len(r) != width), None)
    if bad is not None:
        raise DiveError(f"this model reads rows of {width} numbers, got one of {len(bad)}")
    return torch.tensor(rows, dtype=torch.float32)


@torch.inference_mode()
def regress(trained: Trained, inputs: list[Any]) -> Prediction:
    """The model's output for each row."""
    X = feature_rows(inputs, trained.meta)
    device = next(trained.model.parameters()).device
    y = trained.model(X.to(device)).reshape(len(X), -1)[:, 0].float().cpu().tolist()
    lines = [f"{shorten(str(x))} -> {v:.6g}" for x, v in zip(inputs, y)]
    return Prediction.of(lines, y)


def example_row(trained: Trained) -> list[str]:
    width = 1 if trained.meta.get("expand") == "polynomial" else trained.meta["features"]
    return [",".join(["0.5"] * width)]


def regress_export_input(trained: Trained) -> tuple[Tensor]:
    """One row of zeros, (1, features): the example `dive export` traces with."""
    return (torch.zeros(1, trained.meta["features"]),)


REGRESSOR = Predictor(kind="regress", run=regress, inputs="ROW...: numbers separated by commas, one per feature",
                      example=example_row)  # fmt: skip
