"""Training a GAN with the one `Trainer` (book §20.1-20.2), and the Fréchet distance that scores its samples.

`GANStep` is a step of its own (`dive.train.steps`): per batch of real images X (n, C, H, W) it draws noise Z
(n, latent, 1, 1) and makes the book's two updates in order:
1. the discriminator: BCE(D(X), 1) and BCE(D(G(Z)), 0), averaged; its gradient reaches D only (G(Z) detached);
   the optimizer steps (only D has gradients, so only D moves), and the gradients are dropped again;
2. the generator: BCE(D(G(Z')), 1) with Z' = Z, against the discriminator just updated, D's weights held fixed;
   the Trainer backpropagates this loss and steps the same optimizer, which now moves G only.
One optimizer with a parameter group per network is two optimizers: Adam keeps its moments and step count per
parameter and skips parameters without a gradient. So one checkpoint holds both networks and both optimizers'
state, and a resumed run continues exactly (the noise comes from the global generator the checkpoint saves).
The losses are means over the batch where the book sums them: Adam's steps do not depend on the loss's scale
(up to its eps), and the history reads per image.

`frechet_distance(a, b)`: ||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2)) between Gaussians fitted to two
sets of features (n, d), the FID of Heusel et al. (2017) when the features are Inception's; here they come from
any network (a Fashion-MNIST classifier for grey clothing).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from dive.train.steps import StepOut


class GANStep:
    """The book's alternating D-then-G update for `gan` (a module with `.generator` and `.discriminator`).

    `optimizer` must hold D's and G's parameters (one group each, for their own learning rates); the Trainer
    must be given the same optimizer. Under `torch.no_grad` (evaluation) both losses are measured, nothing moves."""

    def __init__(self, gan: nn.Module, optimizer: torch.optim.Optimizer, latent_dim: int) -> None:
        self.gan = gan
        self.optimizer = optimizer
        self.latent_dim = latent_dim

    def __call__(self, forward: Callable[..., Any], batch: Sequence[Tensor], state: Any = None) -> StepOut:
        X = batch[0]
        n = X.shape[0]
        G, D = self.gan.generator, self.gan.discriminator
        Z = torch.randn(n, self.latent_dim, 1, 1, device=X.device)
        ones, zeros = torch.ones(n, 1, device=X.device), torch.zeros(n, 1, device=X.device)
        loss_D = (F.binary_cross_entropy_with_logits(D(X), ones)
                  + F.binary_cross_entropy_with_logits(D(G(Z).detach()), zeros)) / 2  # fmt: skip
        if torch.is_grad_enabled():
            loss_D.backward()
            self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)
        D.requires_grad_(False)  # the generator's loss must not move the discriminator
        try:
            loss_G = F.binary_cross_entropy_with_logits(D(G(Z)), ones)
        finally:
            D.requires_grad_(True)
        return StepOut(loss_G, n, parts={"loss_D": loss_D.detach(), "loss_G": loss_G.detach()})


def gaussian_stats(features: Tensor) -> tuple[Tensor, Tensor]:
    """Mean (d,) and covariance (d, d), in float64, of features (n, d)."""
    f = features.double()
    return f.mean(0), f.T.cov()


def frechet_distance(a: Tensor | tuple[Tensor, Tensor], b: Tensor | tuple[Tensor, Tensor]) -> float:
    """The Fréchet distance between two feature sets (n, d) (or their `gaussian_stats`).

    tr((S_a S_b)^(1/2)) is the sum of the square roots of the eigenvalues of S_a^(1/2) S_b S_a^(1/2), which is
    symmetric and positive semi-definite: its eigenvalues are real, and the tiny negative ones rounding leaves
    are clamped to 0 (a square root of S_a S_b itself is not symmetric, where rounding gives complex parts)."""
    mu_a, cov_a = a if isinstance(a, tuple) else gaussian_stats(a)
    mu_b, cov_b = b if isinstance(b, tuple) else gaussian_stats(b)
    vals, vecs = torch.linalg.eigh(cov_a)
    root_a = vecs @ torch.diag(vals.clamp(min=0).sqrt()) @ vecs.T
    middle = torch.linalg.eigvalsh(root_a @ cov_b @ root_a).clamp(min=0).sqrt().sum()
    return float((mu_a - mu_b).pow(2).sum() + cov_a.trace() + cov_b.trace() - 2 * middle)
