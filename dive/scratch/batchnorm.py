"""Batch normalization from scratch (book §8.5), for fully connected (n, d) and convolutional (n, c, h, w) inputs.

    BN(x) = gamma * (x - mu_B) / sqrt(sigma_B^2 + eps) + beta

In training, mu_B and sigma_B^2 are the minibatch mean and (biased) variance, per feature for dense layers and per
channel (over batch, height and width) for convolutions. In evaluation, the moving averages collected in training
are used instead, so a prediction does not depend on which other examples share its batch.

Momentum convention: this follows PyTorch,

    moving = (1 - momentum) * moving + momentum * batch_statistic,   momentum = 0.1,

so the same `momentum` means the same thing here and in `nn.BatchNorm2d`. The book's scratch code in the Chinese
edition (and 1.0) writes it the other way round, `moving = momentum * moving + (1 - momentum) * batch` with
momentum 0.9 (MXNet's and Keras's convention: momentum is the weight of the history). Both keep 90% of the history,
but the numbers are reversed: the book's 0.9 is PyTorch's 0.1, and passing the book's 0.9 to `nn.BatchNorm2d`
would keep only 10% of it. Like PyTorch (and unlike the book), the moving variance is updated with the unbiased
batch variance (times m / (m - 1)), while normalisation uses the biased one.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def batch_norm(
    X: Tensor,
    gamma: Tensor,
    beta: Tensor,
    moving_mean: Tensor,
    moving_var: Tensor,
    *,
    training: bool,
    eps: float = 1e-5,
    momentum: float = 0.1,
) -> Tensor:
    """Normalise X (n, d) or (n, c, h, w); gamma, beta, moving_* are shaped (1, d) or (1, c, 1, 1).

    In training mode the moving statistics are updated in place (PyTorch's momentum convention, see the module).
    """
    if X.dim() not in (2, 4):
        raise ValueError(f"batch_norm expects (n, d) or (n, c, h, w) input, got shape {tuple(X.shape)}")
    if not training:
        return gamma * (X - moving_mean) / torch.sqrt(moving_var + eps) + beta
    dims = (0,) if X.dim() == 2 else (0, 2, 3)  # per feature, or per channel over batch and space
    mean = X.mean(dim=dims, keepdim=True)
    var = ((X - mean) ** 2).mean(dim=dims, keepdim=True)
    X_hat = (X - mean) / torch.sqrt(var + eps)
    with torch.no_grad():
        m = X.numel() // mean.numel()  # values per statistic
        moving_mean.mul_(1 - momentum).add_(momentum * mean)
        moving_var.mul_(1 - momentum).add_(momentum * var * m / max(m - 1, 1))
    return gamma * X_hat + beta


class BatchNorm(nn.Module):
    """The book's BatchNorm layer: `num_dims` 2 for fully connected, 4 for convolutional layers.

    gamma (scale) and beta (shift) are learned; the moving mean and variance are buffers, so they are saved in the
    state dict and moved with `.to(device)` but never touched by the optimizer.
    """

    def __init__(self, num_features: int, num_dims: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__()
        if num_dims not in (2, 4):
            raise ValueError(f"num_dims must be 2 (dense) or 4 (convolutional), got {num_dims}")
        shape = (1, num_features) if num_dims == 2 else (1, num_features, 1, 1)
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        self.register_buffer("moving_mean", torch.zeros(shape))
        self.register_buffer("moving_var", torch.ones(shape))
        self.eps = eps
        self.momentum = momentum

    def forward(self, X: Tensor) -> Tensor:
        return batch_norm(
            X,
            self.gamma,
            self.beta,
            self.moving_mean,
            self.moving_var,
            training=self.training,
            eps=self.eps,
            momentum=self.momentum,
        )


class BNLeNetScratch(nn.Module):
    """LeNet with the scratch BatchNorm after every convolution and hidden linear layer (book §8.5.4).

    (n, 1, 28, 28) -conv5-> (n, 6, 24, 24) -pool-> (n, 6, 12, 12) -conv5-> (n, 16, 8, 8) -pool-> (n, 16, 4, 4)
    -> 256 -> 120 -> 84 -> num_classes. Normalisation goes between the affine map and the sigmoid.
    """

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5),
            BatchNorm(6, num_dims=4),
            nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5),
            BatchNorm(16, num_dims=4),
            nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.Linear(16 * 4 * 4, 120),  # 16 channels x 4x4 after two unpadded convolutions and two pools
            BatchNorm(120, num_dims=2),
            nn.Sigmoid(),
            nn.Linear(120, 84),
            BatchNorm(84, num_dims=2),
            nn.Sigmoid(),
            nn.Linear(84, num_classes),
        )

    def forward(self, X: Tensor) -> Tensor:
        return self.net(X)
