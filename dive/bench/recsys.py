"""`dive bench recsys`: matrix factorization against scikit-surprise, and dive's pipeline against the book's.

1. Accuracy, on GroupLens's five folds u1-u5 (80/20 each; the tests partition the 100,000 ratings): dive's `mf`
   with the book's settings and with its `tuned` profile's (regularised MF with the training mean), against
   scikit-surprise's `SVD` and `BaselineOnly` with their defaults. Mean RMSE and MAE over the folds, and training
   seconds per fold.
2. Speed, interactions per second over one training epoch, the same model, loss and optimizer on both sides:
   - the book's pipeline, re-implemented in its style: a per-sample `Dataset` (`__getitem__` returns one rating;
     for ranking it draws the negative as the book's `PRDataset` does, from the set difference of all items and the
     user's items, in Python) batched by a `DataLoader` (the book's 4 workers become 2 here: 2 cores);
   - dive's: whole tensors indexed per batch (`ArrayLoader`), negatives drawn for the whole batch at once
     (`NegativeSampler`).
"""

from __future__ import annotations

import random
import time

import torch

from dive.bench.harness import alternate, median
from dive.data import ArrayLoader
from dive.data.movielens import NegativeSampler, Ratings, grouplens_fold
from dive.models.recsys import MatrixFactorization, NeuMF
from dive.train import Trainer
from dive.train.optim import adam_for_summed_loss
from dive.train.ranking import PairwiseStep, RatingStep, rating_rmse

# the `mf` recipe's book and tuned profiles (dive.recipes.recsys), as plain settings
MF_SETTINGS = {
    "dive mf (book settings)": {"factors": 30, "lr": 0.002, "wd": 1e-5, "reg": 0.0, "center": False},
    "dive mf (tuned profile)": {"factors": 50, "lr": 0.002, "wd": 0.0, "reg": 0.1, "center": True},
}


def fit_mf(train: Ratings, factors: int, lr: float, wd: float, reg: float, center: bool, epochs: int = 20,
           batch: int = 512, seed: int = 0) -> MatrixFactorization:  # fmt: skip
    torch.manual_seed(seed)
    model = MatrixFactorization(factors, train.num_users, train.num_items,
                                mean=float(train.ratings.mean()) if center else 0.0)  # fmt: skip
    loader = ArrayLoader(train.users, train.items, train.ratings, batch_size=batch, shuffle=True, seed=seed)
    opt = adam_for_summed_loss(model.parameters(), lr, wd, batch)
    Trainer(model, None, opt, step=RatingStep(model, reg), max_epochs=epochs).fit(loader)
    return model.eval()


def surprise_fold(algo_name: str, base: str, test: str) -> tuple[float, float, float]:
    """(RMSE, MAE, training seconds) of a scikit-surprise algorithm with its defaults on one GroupLens fold."""
    from surprise import SVD, BaselineOnly, Dataset, Reader, accuracy
    from surprise.model_selection import PredefinedKFold

    data = Dataset.load_from_folds([(base, test)], Reader(line_format="user item rating timestamp", sep="\t"))
    trainset, testset = next(PredefinedKFold().split(data))
    algo = SVD(random_state=0) if algo_name == "SVD" else BaselineOnly(verbose=False)
    t0 = time.perf_counter()
    algo.fit(trainset)
    seconds = time.perf_counter() - t0
    pred = algo.test(testset)
    return accuracy.rmse(pred, verbose=False), accuracy.mae(pred, verbose=False), seconds


def run_accuracy(root: str | None, folds: tuple[str, ...] = ("u1", "u2", "u3", "u4", "u5")) -> list[dict]:
    """One row per contender: mean RMSE, MAE and training seconds over `folds`."""
    from dive.data.catalog import ML100K
    from dive.data.files import locate

    d = locate(ML100K, root)
    results: dict[str, list[tuple[float, float, float]]] = {}
    for fold in folds:
        train, test = grouplens_fold(root, fold)
        for name, s in MF_SETTINGS.items():
            t0 = time.perf_counter()
            model = fit_mf(train, s["factors"], s["lr"], s["wd"], s["reg"], s["center"])
            seconds = time.perf_counter() - t0
            with torch.inference_mode():
                pred = model(test.users, test.items)
            results.setdefault(name, []).append(
                (rating_rmse(pred, test.ratings), float((pred - test.ratings).abs().mean()), seconds)
            )
            print(f"  {fold} {name}: RMSE {results[name][-1][0]:.4f}")
        for algo in ("SVD", "BaselineOnly"):
            r = surprise_fold(algo, str(d / f"{fold}.base"), str(d / f"{fold}.test"))
            results.setdefault(f"surprise {algo}", []).append(r)
            print(f"  {fold} surprise {algo}: RMSE {r[0]:.4f}")
    return [{"contender": k, "rmse": sum(r[0] for r in v) / len(v), "mae": sum(r[1] for r in v) / len(v),
             "seconds": sum(r[2] for r in v) / len(v), "folds": len(v)} for k, v in results.items()]  # fmt: skip


class BookRatings(torch.utils.data.Dataset):
    """The book's `gluon.data.ArrayDataset(users, items, ratings)`: one rating per `__getitem__`."""

    def __init__(self, r: Ratings):
        self.u, self.i, self.r = r.users.tolist(), r.items.tolist(), r.ratings.tolist()

    def __len__(self) -> int:
        return len(self.u)

    def __getitem__(self, k: int):
        return self.u[k], self.i[k], self.r[k]


class BookPairs(torch.utils.data.Dataset):
    """The book's `PRDataset`: a positive per `__getitem__`, its negative drawn from all items minus the user's."""

    def __init__(self, r: Ratings):
        self.u, self.i = r.users.tolist(), r.items.tolist()
        self.all = set(range(r.num_items))
        self.candidates: dict[int, list[int]] = {}
        for u, i in zip(self.u, self.i, strict=True):
            self.candidates.setdefault(u, []).append(i)

    def __len__(self) -> int:
        return len(self.u)

    def __getitem__(self, k: int):
        neg_items = list(self.all - set(self.candidates[self.u[k]]))
        return self.u[k], self.i[k], neg_items[random.randint(0, len(neg_items) - 1)]


def book_loader(ds: torch.utils.data.Dataset, batch: int, workers: int):
    """The book's DataLoader: shuffled, per-sample, collated into tensors (ratings as float32)."""

    def collate(rows):
        cols = list(zip(*rows, strict=True))
        return tuple(torch.tensor(c, dtype=torch.float32 if isinstance(c[0], float) else torch.int64) for c in cols)

    return torch.utils.data.DataLoader(ds, batch_size=batch, shuffle=True, num_workers=workers, collate_fn=collate,
                                       persistent_workers=False)  # fmt: skip


def epoch_rate(model, step, loader, n: int, lr: float, batch: int) -> float:
    """Interactions per second of one epoch (data + forward + backward + update)."""
    opt = adam_for_summed_loss(model.parameters(), lr, 1e-5, batch)
    t0 = time.perf_counter()
    Trainer(model, None, opt, step=step, max_epochs=1).fit(loader)
    return n / (time.perf_counter() - t0)


def speed_cases(name: str, train: Ratings, batch: int, workers: int) -> dict:
    """The two contenders for model `name` ("mf" or "neumf"), each a function returning interactions/s."""

    def make():
        torch.manual_seed(0)
        if name == "mf":
            m = MatrixFactorization(30, train.num_users, train.num_items)
            return m, RatingStep(m)
        return NeuMF(10, train.num_users, train.num_items), PairwiseStep()

    def book() -> float:
        ds = BookRatings(train) if name == "mf" else BookPairs(train)
        m, step = make()
        return epoch_rate(m, step, book_loader(ds, batch, workers), len(train), 0.002, batch)

    def dive_side() -> float:
        m, step = make()
        if name == "mf":
            loader = ArrayLoader(train.users, train.items, train.ratings, batch_size=batch, shuffle=True)
        else:
            loader = ArrayLoader(train.users, train.items, batch_size=batch, shuffle=True,
                                 augment=NegativeSampler(train.rated()))  # fmt: skip
        return epoch_rate(m, step, loader, len(train), 0.002, batch)

    return {"book": book, "dive": dive_side}


def run_speed(train: Ratings, rounds: int = 3, workers: int = 2) -> list[dict]:
    """Per model (the book's batch sizes): the medians of interactions/s, book-style and dive, and their ratio."""
    rows = []
    for name, batch in (("mf", 512), ("neumf", 1024)):
        show = lambda k, i, v, name=name: print(f"  {name} round {i + 1} {k}: {v:,.0f}/s")  # noqa: E731
        r = alternate(speed_cases(name, train, batch, workers), rounds, on_result=show)
        b, d = median(r["book"]), median(r["dive"])
        rows.append({"model": name, "book_per_s": b, "dive_per_s": d, "ratio": d / b, "rounds": r})
    return rows


def format_recsys(accuracy: list[dict], speed: list[dict]) -> str:
    lines = []
    if accuracy:
        lines += ["| on u1-u5 (mean of folds) | RMSE | MAE | train s / fold |", "|---|---|---|---|"]
        lines += [f"| {r['contender']} | {r['rmse']:.4f} | {r['mae']:.4f} | {r['seconds']:.2f} |" for r in accuracy]
    if speed:
        lines += ["", "| one epoch | book-style pipeline | dive | dive / book |", "|---|---|---|---|"]
        lines += [f"| {r['model']} | {r['book_per_s']:,.0f} interactions/s | {r['dive_per_s']:,.0f}/s | "
                  f"**{r['ratio']:.1f}x** |" for r in speed]  # fmt: skip
    return "\n".join(lines)
