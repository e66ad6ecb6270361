"""The DCGAN generator and discriminator (book §20.2; Radford, Metz & Chintala, 2016).

Generator, for `size` 64 (the book's) and latent 100, n_G 64:
    z (n, 100, 1, 1) -G_block(stride 1, pad 0)-> (n, 512, 4, 4) -G_block-> (n, 256, 8, 8) -> (n, 128, 16, 16)
    -> (n, 64, 32, 32) -ConvTranspose 4x4/2-> (n, C, 64, 64) -tanh-> images in [-1, 1]
Discriminator, the mirror image: (n, C, 64, 64) -D_block-> (n, 64, 32, 32) -> ... -> (n, 512, 4, 4)
    -Conv 4x4-> (n, 1, 1, 1) logits
A G_block is transposed convolution 4x4 stride 2 (doubling the side), BatchNorm, ReLU; a D_block convolution 4x4
stride 2 (halving it), BatchNorm, leaky ReLU 0.2. `size` 32 drops one block from each (n_G * 4 channels first).

The book puts BatchNorm in the discriminator's first block; the paper does not ("not applying batchnorm to the
generator output layer and the discriminator input layer": normalising the raw pixels' block made the samples
oscillate, upstream d2l issue 1381). `first_batchnorm=False` (the default here) follows the paper; True is the
book's network.
"""

from __future__ import annotations

import math

from torch import Tensor, nn

from dive.models.registry import register_model


def G_block(in_channels: int, out_channels: int, stride: int = 2, padding: int = 1) -> nn.Sequential:
    """Transposed conv 4x4 (side x2 at stride 2, or 1 -> 4 at stride 1 and padding 0), BatchNorm, ReLU."""
    return nn.Sequential(nn.ConvTranspose2d(in_channels, out_channels, 4, stride, padding, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU())  # fmt: skip


def D_block(in_channels: int, out_channels: int, batchnorm: bool = True, alpha: float = 0.2) -> nn.Sequential:
    """Conv 4x4 stride 2 (side /2), BatchNorm (optional), leaky ReLU `alpha`."""
    norm = [nn.BatchNorm2d(out_channels)] if batchnorm else []
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 4, 2, 1, bias=False), *norm,
                         nn.LeakyReLU(alpha, inplace=True))  # fmt: skip


def _depth(size: int) -> int:
    """Blocks between 4x4 and `size` / 2: 3 for 64, 2 for 32."""
    depth = int(math.log2(size)) - 3
    if size < 16 or 2 ** (depth + 3) != size:
        raise ValueError(f"DCGAN images are square with a side of 16, 32, 64, 128, ...; got {size}")
    return depth


@register_model("dcgan_generator", input_shape=(100, 1, 1), task="generator")
class DCGANGenerator(nn.Module):
    """forward(z (n, latent_dim, 1, 1)) -> images (n, channels, size, size) in [-1, 1]."""

    def __init__(self, latent_dim: int = 100, n_G: int = 64, size: int = 64, channels: int = 3) -> None:
        super().__init__()
        depth = _depth(size)
        widths = [n_G * 2**i for i in range(depth, -1, -1)]  # 64px: 512, 256, 128, 64
        blocks = [G_block(latent_dim, widths[0], stride=1, padding=0)]
        blocks += [G_block(a, b) for a, b in zip(widths, widths[1:])]
        self.latent_dim = latent_dim
        self.net = nn.Sequential(*blocks, nn.ConvTranspose2d(n_G, channels, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z.view(z.shape[0], -1, 1, 1))


@register_model("dcgan_discriminator", input_shape=(3, 64, 64), task="discriminator")
class DCGANDiscriminator(nn.Module):
    """forward(images (n, channels, size, size)) -> logits (n, 1): 'real' is positive."""

    def __init__(self, n_D: int = 64, size: int = 64, channels: int = 3, first_batchnorm: bool = False) -> None:
        super().__init__()
        depth = _depth(size)
        widths = [n_D * 2**i for i in range(depth + 1)]  # 64px: 64, 128, 256, 512
        blocks = [D_block(channels, widths[0], batchnorm=first_batchnorm)]
        blocks += [D_block(a, b) for a, b in zip(widths, widths[1:])]
        self.net = nn.Sequential(*blocks, nn.Conv2d(widths[-1], 1, 4, bias=False))

    def forward(self, X: Tensor) -> Tensor:
        return self.net(X).view(X.shape[0], 1)


class GAN(nn.Module):
    """A generator and a discriminator trained as one model: one state dict, one checkpoint.
    forward(z) -> generated images (what a trained GAN is for)."""

    def __init__(self, generator: nn.Module, discriminator: nn.Module) -> None:
        super().__init__()
        self.generator = generator
        self.discriminator = discriminator

    def forward(self, z: Tensor) -> Tensor:
        return self.generator(z)
