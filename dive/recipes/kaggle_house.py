"""Predicting house prices on Kaggle (book §5.7): K-fold validation, then a submission CSV.

As in the book (1.0 edition): a linear model on standardised features, squared loss on the prices, Adam with lr 5,
batch 64, 100 epochs, judged by log-RMSE. Unlike the book, preprocessing statistics come from the training rows
of each fold only (see `dive.data.kaggle_house`). Writes `submission.csv` (Id, SalePrice) for the test rows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch
import torch.nn.functional as F

from dive.core import DiveError
from dive.data import ArrayLoader, HousePreprocessor, fake_house_frames, k_fold_indices, labels_of, read_kaggle_house
from dive.models import LinearRegression
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import run_fit
from dive.recipes.parts import DataPart, ModelPart, Prediction, Predictor, Trained
from dive.train import log_rmse
from dive.train.optim import Adam


@dataclass(frozen=True)
class KaggleHouseConfig(TrainConfig):
    """Book §5.7: K-fold validation of a linear model on standardised features (the book 1.0 edition's settings)."""

    k: int = 5
    lr: float = 5.0
    weight_decay: float = 0.0
    batch_size: int = 64
    max_epochs: int = 100


def _preprocessor(meta: dict) -> HousePreprocessor:
    return HousePreprocessor(**meta["preprocessor"])


@torch.inference_mode()
def price_houses(trained: Trained, inputs: list) -> Prediction:
    """SalePrice for every row of each CSV file in the Kaggle layout (test.csv's columns), or DataFrame."""
    import pandas as pd

    frames = []
    for x in inputs:
        if isinstance(x, pd.DataFrame):
            frames.append(x)
        elif not Path(x).is_file():
            raise DiveError(f"no CSV file at {x} (give rows in the layout of the competition's test.csv)")
        else:
            frames.append(pd.read_csv(x, nrows=1_000_000))
    df = pd.concat(frames, ignore_index=True)
    X = _preprocessor(trained.meta).transform(df)
    prices = trained.model(X.to(next(trained.model.parameters()).device)).reshape(-1).cpu().tolist()
    ids = df["Id"].tolist() if "Id" in df.columns else list(range(1, len(df) + 1))
    return Prediction([f"Id {i}: SalePrice {p:,.0f}" for i, p in zip(ids, prices)], prices)


HOUSE_PART = ModelPart(
    build=lambda cfg, meta: LinearRegression(_preprocessor(meta).num_features),
    predictor=Predictor(
        kind="regress",
        run=price_houses,
        inputs="CSV...: house rows in the layout of Kaggle's test.csv",
        example=lambda trained: [fake_house_frames(n_train=2, n_test=3)[1]],
    ),  # fmt: skip
    export_input=lambda trained: (torch.zeros(1, _preprocessor(trained.meta).num_features),),
)


def _fit(cfg: KaggleHouseConfig, ctx: RunContext, train_df, valid_df, sub: str | None):
    prep = HousePreprocessor().fit(train_df)
    ctx.meta["preprocessor"] = asdict(prep)  # each fit's own statistics, in its own checkpoint
    X, y = prep.transform(train_df), labels_of(train_df)
    train = ArrayLoader(X, y, batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed)
    valid = None
    if valid_df is not None:
        valid = ArrayLoader(prep.transform(valid_df), labels_of(valid_df), batch_size=512)
    model = HOUSE_PART.build(cfg, ctx.meta)
    opt = Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    state, _, _ = run_fit(
        ctx,
        cfg,
        model=model,
        loss_fn=F.mse_loss,
        optimizer=opt,
        train_loader=train,
        valid_loader=valid,
        max_epochs=cfg.max_epochs,
        metrics=[log_rmse],
        valid_name="valid",
        sub=sub,
        checkpoint_every_epochs=25,
        quiet=True,
    )
    return state.metrics, model, prep


# (train, test) DataFrames of Kaggle's house-price competition (test without prices)
HOUSE_DATA = DataPart(
    real=lambda cfg, root: read_kaggle_house(root), stand_in=lambda cfg: fake_house_frames(seed=cfg.seed)
)


def run(cfg: KaggleHouseConfig, ctx: RunContext) -> RunResult:
    train_df, test_df = HOUSE_DATA.read(cfg, ctx.data_root)
    train_rmse, valid_rmse = [], []
    for i, (tr, va) in enumerate(k_fold_indices(len(train_df), cfg.k)):
        m, _, _ = _fit(cfg, ctx, train_df.iloc[tr.numpy()], train_df.iloc[va.numpy()], f"fold-{i + 1}")
        train_rmse.append(m["train_log_rmse"])
        valid_rmse.append(m["valid_log_rmse"])
    final, model, prep = _fit(cfg, ctx, train_df, None, None)
    with torch.inference_mode():
        model.eval()
        preds = model(prep.transform(test_df).to(ctx.device)).reshape(-1).cpu()
    test_df[["Id"]].assign(SalePrice=preds.numpy()).to_csv(ctx.out_dir / "submission.csv", index=False)
    avg_train, avg_valid = sum(train_rmse) / cfg.k, sum(valid_rmse) / cfg.k
    metrics = {
        "train_log_rmse": avg_train,
        "valid_log_rmse": avg_valid,
        "final_train_log_rmse": final["train_log_rmse"],
        **{f"fold_{i + 1}_valid_log_rmse": v for i, v in enumerate(valid_rmse)},
    }
    summary = f"{cfg.k}-fold validation: avg train log rmse: {avg_train:.3f}, avg valid log rmse: {avg_valid:.3f}"
    return RunResult(metrics, summary, final.get("examples_per_sec"))


BOOK = KaggleHouseConfig()
PROFILES = {
    "book": Profile(BOOK, band=(0.0, 0.175), minutes=1.0, source="book §5.7: 5-fold valid log rmse ~0.17"),
    "quick": Profile(BOOK, band=(0.0, 0.175), minutes=1.0, source="same as book: it is already seconds"),
    "tiny": Profile(replace(BOOK, k=2, max_epochs=3, synthetic=True)),
}

recipe("kaggle-house", section="5.7 Predicting House Prices on Kaggle", dataset="kaggle_house",
       metric="valid_log_rmse", run=run, higher_is_better=False, model=HOUSE_PART, data=HOUSE_DATA,
       **PROFILES,
)  # fmt: skip
