"""Generative adversarial networks on the book's 2-D data (book §20.1), measured instead of only plotted.

The data: 1,000 points X A + b with X ~ N(0, I), A = [[1, 2], [-0.1, 0.5]], b = [1, 2]: a Gaussian with mean b and
covariance A^T A = [[1.01, 1.95], [1.95, 4.25]]. A linear generator (2 -> 2) can match it exactly; the
discriminator is the book's 2-5-3-1 tanh network; the losses are binary cross-entropy on logits, summed over the
batch as the book's `BCEWithLogitsLoss(reduction='sum')`; Adam 0.05 for the discriminator, 0.005 for the
generator, batch 8, 20 epochs, weights from N(0, 0.02). Each epoch records the generated samples' mean and
covariance against the data's: the book shows the scatter only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import nn

from dive.core import ConfigError
from dive.data import ArrayLoader
from dive.plot import plot_series
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import write_records

A = torch.tensor([[1.0, 2.0], [-0.1, 0.5]])
B = torch.tensor([1.0, 2.0])


@dataclass(frozen=True)
class GANConfig(TrainConfig):
    """Book §20.1's settings."""

    num_examples: int = 1000  # points of the 2-D Gaussian
    batch_size: int = 8
    lr_D: float = 0.05  # the discriminator's Adam step; the generator learns 10x slower
    lr_G: float = 0.005
    max_epochs: int = 20
    latent_dim: int = 2  # the generator's input: standard normal noise
    eval_samples: int = 10_000  # generated points the moments are measured on


def moments(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return x.mean(0), x.T.cov()


def run(cfg: GANConfig, ctx: RunContext) -> RunResult:
    if cfg.latent_dim < 1 or cfg.batch_size < 1 or cfg.max_epochs < 1:
        raise ConfigError("--latent_dim, --batch_size and --max_epochs are at least 1")
    g = torch.Generator().manual_seed(cfg.seed)
    data = torch.randn(cfg.num_examples, 2, generator=g) @ A + B
    torch.manual_seed(cfg.seed)
    net_G = nn.Sequential(nn.Linear(cfg.latent_dim, 2))
    net_D = nn.Sequential(nn.Linear(2, 5), nn.Tanh(), nn.Linear(5, 3), nn.Tanh(), nn.Linear(3, 1))
    for w in [*net_D.parameters(), *net_G.parameters()]:
        nn.init.normal_(w, 0, 0.02)
    loss = nn.BCEWithLogitsLoss(reduction="sum")
    opt_D, opt_G = torch.optim.Adam(net_D.parameters(), lr=cfg.lr_D), torch.optim.Adam(net_G.parameters(), lr=cfg.lr_G)
    loader = ArrayLoader(data, batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed)
    true_mean, true_cov = B, A.T @ A
    z_eval = torch.randn(cfg.eval_samples, cfg.latent_dim, generator=g)
    records = []
    for epoch in range(cfg.max_epochs):
        sums = torch.zeros(3)
        for (X,) in loader.epoch(epoch):
            n = X.shape[0]
            Z = torch.randn(n, cfg.latent_dim, generator=g)
            opt_D.zero_grad()
            loss_D = (loss(net_D(X), torch.ones(n, 1)) + loss(net_D(net_G(Z).detach()), torch.zeros(n, 1))) / 2
            loss_D.backward()
            opt_D.step()
            opt_G.zero_grad()
            loss_G = loss(net_D(net_G(Z)), torch.ones(n, 1))
            loss_G.backward()
            opt_G.step()
            sums += torch.tensor([float(loss_D.detach()), float(loss_G.detach()), n])
        with torch.no_grad():
            mean, cov = moments(net_G(z_eval))
        records.append({"kind": "epoch", "epoch": epoch + 1, "loss_D": float(sums[0] / sums[2]),
                        "loss_G": float(sums[1] / sums[2]), "mean_error": float((mean - true_mean).norm()),
                        "cov_error": float((cov - true_cov).norm() / true_cov.norm())})  # fmt: skip
    write_records(ctx.out_dir / "history.jsonl", records)
    epochs = [r["epoch"] for r in records]
    plot_series({k: (epochs, [r[k] for r in records]) for k in ("loss_D", "loss_G", "mean_error", "cov_error")},
                ctx.out_dir / "curves.png", title="GAN on the book's 2-D Gaussian")  # fmt: skip
    _scatter(data, net_G, z_eval[:1000], ctx)
    last = records[-1]
    m = {k: last[k] for k in ("loss_D", "loss_G", "mean_error", "cov_error")}
    with torch.no_grad():
        mean, cov = moments(net_G(z_eval))
    lines = [f"after {cfg.max_epochs} epochs: loss_D {m['loss_D']:.3f}, loss_G {m['loss_G']:.3f}",
             f"generated mean {[round(v, 3) for v in mean.tolist()]} (data: [1.0, 2.0]); covariance "
             f"{[[round(v, 2) for v in r] for r in cov.tolist()]} (data: [[1.01, 1.95], [1.95, 4.25]]); "
             f"|mean error| {m['mean_error']:.3f}, relative covariance error {m['cov_error']:.3f}"]  # fmt: skip
    return RunResult.of(m, lines)


def _scatter(data: torch.Tensor, net_G: nn.Module, z: torch.Tensor, ctx: RunContext) -> None:
    """samples.png: the real points and generated ones (the book's figure)."""
    from dive.plot.figure import pyplot, save

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4.5, 4))
    with torch.no_grad():
        fake = net_G(z)
    ax.scatter(data[:, 0], data[:, 1], s=4, label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=4, label="generated")
    ax.legend()
    ax.set_title("real and generated")
    save(fig, ctx.out_dir / "samples.png")


BOOK = GANConfig()
MEASURED = Profile(BOOK, band=(0.0, 0.15), minutes=0.5, source="measured, seeds 0-2")  # the book's run takes seconds
recipe("gan", section="20.1 Generative Adversarial Networks (the book's 2-D Gaussian)", dataset="synthetic",
       metric="cov_error", higher_is_better=False, run=run, checkpoints=False,
       # seeds 0, 1, 2: relative covariance error 0.086, 0.094, 0.075; |mean error| 0.394, 0.060, 0.143; 26 s each
       book=MEASURED, quick=MEASURED,
       tiny=Profile(replace(BOOK, num_examples=64, max_epochs=2, eval_samples=256)),
)  # fmt: skip
