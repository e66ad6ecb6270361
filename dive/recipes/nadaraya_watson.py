"""Attention pooling by similarity (book §11.2): Nadaraya-Watson regression, fixed kernels and a learned width.

Data (zh 2.0 §10.2): 50 training points x ~ U(0, 5) sorted, y = 2 sin(x) + x^0.8 + N(0, 0.5^2); queries at
0, 0.1, ..., 4.9. Writes `fits.png` (each kernel's fit) and `attention.png` (weights, queries x keys) for the
Gaussian kernel before and after learning its width (trained by `Trainer`, full-batch SGD, as the book).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from dive.data import ArrayLoader
from dive.plot import plot_heatmaps, plot_series
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import run_fit
from dive.recipes.parts import ModelPart, Prediction, Predictor, Trained
from dive.recipes.regress_predict import parse_row
from dive.scratch.attention_pooling import KERNELS, NWKernelRegression, leave_one_out, nadaraya_watson
from dive.train.optim import SGD


@dataclass(frozen=True)
class NWConfig(TrainConfig):
    """Book §11.2: the generated data and the Gaussian kernel's width, learned by SGD; the defaults are the book's."""

    n_train: int = 50
    noise: float = 0.5
    lr: float = 0.5
    max_epochs: int = 5


def half_sse(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """sum (y_hat - y)^2 / 2, the book's loss for the width."""
    return ((y_hat - y) ** 2).sum() / 2


def _f(x: torch.Tensor) -> torch.Tensor:
    return 2 * torch.sin(x) + x**0.8


def run(cfg: NWConfig, ctx: RunContext) -> RunResult:
    g = torch.Generator().manual_seed(cfg.seed)
    x_train, _ = torch.sort(torch.rand(cfg.n_train, generator=g) * 5)
    y_train = _f(x_train) + cfg.noise * torch.randn(cfg.n_train, generator=g)
    x_val = torch.arange(0, 5, 0.1)
    y_truth = _f(x_val)
    metrics: dict[str, float] = {}
    lines = {"truth": (x_val.tolist(), y_truth.tolist())}
    for name, kernel in KERNELS.items():
        y_hat, weights = nadaraya_watson(x_train, y_train, x_val, kernel)
        metrics[f"{name}_mse"] = float(((y_hat - y_truth) ** 2).mean())
        lines[name] = (x_val.tolist(), y_hat.tolist())
        if name == "gaussian":
            fixed = weights
    ctx.meta.update(keys=x_train.tolist(), values=y_train.tolist())  # attention pooling reads them at every query
    model = NWKernelRegression()
    keys, values = leave_one_out(x_train, y_train)
    full_batch = ArrayLoader(x_train, keys, values, y_train, batch_size=cfg.n_train)  # the book's full-batch steps
    opt = SGD(model.parameters(), lr=cfg.lr)
    state, _, _ = run_fit(ctx, cfg, model=model, loss_fn=half_sse, optimizer=opt, train_loader=full_batch,
                          max_epochs=cfg.max_epochs, quiet=True)  # fmt: skip
    with torch.no_grad():
        y_hat = model(x_val, x_train.expand(len(x_val), -1), y_train.expand(len(x_val), -1))
    metrics["learned_w"] = float(model.w.detach())
    metrics["parametric_mse"] = float(((y_hat - y_truth) ** 2).mean())
    metrics["train_loss"] = state.metrics["train_loss"]
    lines["learned width"] = (x_val.tolist(), y_hat.tolist())
    plot_series(lines, ctx.out_dir / "fits.png", xlabel="x", ylabel="y", title="Nadaraya-Watson regression")
    titles = ["gaussian, w = 1", f"learned w = {metrics['learned_w']:.1f}"]
    plot_heatmaps(torch.stack([fixed, model.attention_weights]), ctx.out_dir / "attention.png",
                  xlabel="sorted training inputs", ylabel="validation inputs", titles=titles)  # fmt: skip
    summary = ", ".join(f"{k} mse {metrics[f'{k}_mse']:.3f}" for k in KERNELS)
    summary += f"; learned width w {metrics['learned_w']:.2f}: mse {metrics['parametric_mse']:.3f}"
    return RunResult.of(metrics, summary)


BOOK = NWConfig()
PROFILES = {
    "book": Profile(BOOK, band=(0.0, 0.5), minutes=0.1, source="book §11.2 (plots only); measured here"),
    "quick": Profile(BOOK, band=(0.0, 0.5), minutes=0.1, source="same as book: it is already seconds"),
    "tiny": Profile(replace(BOOK, n_train=20)),
}


@torch.inference_mode()
def pool(trained: Trained, inputs: list) -> Prediction:
    """f(x) for each query x: attention pooling over the run's training pairs with its learned width."""
    queries = torch.tensor([v for x in inputs for v in parse_row(x)])
    keys, values = torch.tensor(trained.meta["keys"]), torch.tensor(trained.meta["values"])
    y = trained.model(queries, keys.expand(len(queries), -1), values.expand(len(queries), -1)).tolist()
    return Prediction.of([f"{q:g} -> {v:.6g}" for q, v in zip(queries.tolist(), y)], y)


NW_PART = ModelPart(
    build=lambda cfg, meta: NWKernelRegression(),
    predictor=Predictor(
        kind="regress",
        run=pool,
        inputs="X...: query points, e.g. 2.5 (the data lie in [0, 5])",
        example=lambda trained: ["2.5", "0.3"],
    ),
    export_input=lambda trained: (
        torch.tensor([2.5]),
        torch.tensor([trained.meta["keys"]]),
        torch.tensor([trained.meta["values"]]),
    ),
)

recipe("nadaraya-watson", section="11.2 Attention Pooling by Similarity", dataset="synthetic", metric="gaussian_mse",
       run=run, model=NW_PART, higher_is_better=False,
       **PROFILES,
)  # fmt: skip
