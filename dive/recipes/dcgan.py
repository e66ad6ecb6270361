"""Deep convolutional GAN (book §20.2), on Fashion-MNIST, the stand-in for the book's Pokemon sprites, and scored.

The book's networks (`dive.models.dcgan`: latent 100, n_G = n_D = 64, four transposed-convolution blocks, leaky
ReLU 0.2), initialised as the book does (every parameter from N(0, 0.02)) and trained as it does: Adam 0.005 with
betas (0.5, 0.999) for both networks, batch 256, 20 epochs, the discriminator updated before the generator on the
same noise (`dive.train.GANStep`). The discriminator follows the DCGAN paper (no BatchNorm on its input block,
upstream d2l issue 1381); `--first_batchnorm=true` is the book's.

The book's data (pokemon.zip, 40,597 sprites from pokemondb) is not obtainable here: Fashion-MNIST's 60,000 grey
clothes, resized to 64x64 (the book profile) or 32x32 (quick), stand in. `--images=pokemon` reads the book's
archive (`dive data --download pokemon` fetches and checks it), any other value a folder or zip in ImageFolder
layout; those runs draw samples, but are not scored (the feature network knows clothing only).

The book only shows samples. Here each epoch writes a grid (samples/epoch_NNN.png, the same noise every epoch)
and a number: the Fréchet distance between 10,000 generated and the 10,000 real test images, in the 128-d
penultimate features of dive's `resnet-small` trained on Fashion-MNIST's training set (cached, shared with
§14.2's fine-tuning): the FID recipe with a clothing classifier for Inception. Two references bracket it: real
training images against the test images (the floor a perfect generator reaches) and the untrained generator (the
ceiling). A run is reproducible from its seed and resumes exactly (one checkpoint holds both networks, the
optimizer's moments for each and the random state).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from dive.core import ConfigError
from dive.data import ArrayLoader, ImageBatch, fake_image_sets, load_fashion_mnist
from dive.data.image_folders import load_image_folder, pokemon_zip
from dive.models import GAN, DCGANDiscriminator, DCGANGenerator
from dive.plot import plot_image_grid
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import run_fit
from dive.recipes.parts import DataPart, ModelPart, Prediction, Predictor, Trained
from dive.train import Callback, GANStep, frechet_distance, gaussian_stats

GRID = 32  # samples in each epoch's picture


@dataclass(frozen=True)
class DCGANConfig(TrainConfig):
    images: str = "fashion-mnist"  # or "pokemon" (the book's pokemon.zip), or a folder / zip in ImageFolder layout
    size: int = 64  # image side: 64 is the book's; 32 drops a block from each network
    latent_dim: int = 100
    n_G: int = 64
    n_D: int = 64
    first_batchnorm: bool = False  # BatchNorm on the discriminator's input block: the book's (True), not the paper's
    batch_size: int = 256
    lr: float = 0.005  # Adam, betas (0.5, 0.999), both networks
    max_epochs: int = 20
    train_examples: int = 0  # train on the first N training images (0: all)
    fid_samples: int = 10_000  # generated images scored, and real ones on each side of the references
    fid_every: int = 1  # epochs between scores (0: the last epoch only)


def _real(cfg: DCGANConfig, root: str | None) -> tuple[Tensor, Tensor | None]:
    if cfg.images == "fashion-mnist":
        train, test = load_fashion_mnist(root)
        return train.images, test.images
    path = pokemon_zip(root) if cfg.images == "pokemon" else Path(cfg.images)
    return load_image_folder(path, cfg.size).train.images, None


def _stand_in(cfg: DCGANConfig) -> tuple[Tensor, Tensor]:
    train, test = fake_image_sets(n_train=256, n_test=128, seed=cfg.seed)
    return train.images, test.images


# (train, test) uint8 images (N, H, W) or (N, C, H, W); test is None where the set has none (the sprites)
DCGAN_DATA = DataPart(real=_real, stand_in=_stand_in)


def build(cfg: DCGANConfig, meta: dict) -> GAN:
    channels = meta.get("channels", 1)
    return GAN(DCGANGenerator(cfg.latent_dim, cfg.n_G, cfg.size, channels),
               DCGANDiscriminator(cfg.n_D, cfg.size, channels, first_batchnorm=cfg.first_batchnorm))  # fmt: skip


@torch.inference_mode()
def generate(generator: nn.Module, z: Tensor, chunk: int = 500) -> Tensor:
    """Images (n, C, S, S) in [-1, 1] from noise (n, latent): the generator in eval mode (its running statistics),
    so drawing samples changes nothing a resumed run would see."""
    was = generator.training
    generator.eval()
    out = torch.cat([generator(z[i : i + chunk]) for i in range(0, len(z), chunk)])
    generator.train(was)
    return out


class FrechetScore:
    """The Fréchet distance to a fixed set of real images, in a classifier's features. Images come as the GAN
    sees them ([-1, 1], side S) and are brought to what the classifier read (28x28, [0, 1]) on both sides."""

    def __init__(self, features: nn.Module, real: Tensor, device: torch.device) -> None:
        self.features, self.device = features.to(device).eval(), device
        self.reference = gaussian_stats(self.embed(real))

    @torch.inference_mode()
    def embed(self, images: Tensor, chunk: int = 500) -> Tensor:
        out = []
        for i in range(0, len(images), chunk):
            x = (images[i : i + chunk].to(self.device).float() + 1) / 2
            x = F.interpolate(x, size=(28, 28), mode="bilinear", antialias=True, align_corners=False)
            out.append(self.features(x).double().cpu())
        return torch.cat(out)

    def __call__(self, images: Tensor) -> float:
        return frechet_distance(gaussian_stats(self.embed(images)), self.reference)


class SamplesAndScore(Callback):
    """Each epoch: samples/epoch_NNN.png from the same noise; the Fréchet distance into the epoch's metrics."""

    def __init__(self, gan: GAN, cfg: DCGANConfig, out_dir: Path, score: FrechetScore | None, device) -> None:
        g = torch.Generator().manual_seed(cfg.seed + 1)  # not the global generator: a resumed run draws the same
        self.gan, self.cfg, self.out_dir, self.score = gan, cfg, out_dir, score
        self.z_grid = torch.randn(GRID, cfg.latent_dim, 1, 1, generator=g).to(device)
        self.z_score = torch.randn(cfg.fid_samples, cfg.latent_dim, 1, 1, generator=g).to(device)

    def on_epoch_end(self, trainer, state) -> None:
        G = self.gan.generator
        images = (generate(G, self.z_grid).cpu() + 1) / 2
        plot_image_grid(images, [""] * GRID, self.out_dir / "samples" / f"epoch_{state.epoch:03d}.png", ncols=8,
                        scale=0.9, value_range=(0, 1))  # fmt: skip
        every, last = self.cfg.fid_every, state.epoch == trainer.max_epochs
        if self.score is not None and (last or (every and state.epoch % every == 0)):
            state.metrics["fid"] = self.score(generate(G, self.z_score))


def feature_network(cfg: DCGANConfig, ctx: RunContext) -> tuple[nn.Module, float]:
    """dive's resnet-small trained on Fashion-MNIST's training images (cached), without its last layer: 128-d."""
    from dive.recipes.pretrained import clothing_resnet_small

    classifier = clothing_resnet_small(ctx.data_root, synthetic=cfg.synthetic, seed=0)
    return classifier.net[:-1], 0.0


def run(cfg: DCGANConfig, ctx: RunContext) -> RunResult:
    if cfg.max_epochs < 1 or cfg.batch_size < 1 or cfg.latent_dim < 1 or cfg.fid_samples < 2 or cfg.fid_every < 0:
        raise ConfigError("--max_epochs, --batch_size and --latent_dim are at least 1, --fid_samples at least 2")
    train, test = DCGAN_DATA.read(cfg, ctx.data_root)
    if cfg.train_examples:
        train = train[: cfg.train_examples]
    channels = train.shape[1] if train.dim() == 4 else 1
    ctx.meta.update({"channels": channels})
    torch.manual_seed(cfg.seed)
    gan = build(cfg, ctx.meta)
    for w in gan.parameters():  # the book's init: every weight, BatchNorm's scale and shift included
        nn.init.normal_(w, 0, 0.02)
    to_gan = ImageBatch(resize=cfg.size, mean=0.5, std=0.5)  # uint8 -> [-1, 1], the generator's tanh range
    score, refs = None, {}
    if test is not None:
        features, _ = feature_network(cfg, ctx)
        n = min(cfg.fid_samples, len(test), len(train))
        score = FrechetScore(features, to_gan(test[:n]), ctx.device)
        g = torch.Generator().manual_seed(cfg.seed + 2)
        picked = torch.randperm(len(train), generator=g)[:n]
        refs["fid_floor"] = score(to_gan(train[picked]))  # real against real: what a perfect generator scores
        z = torch.randn(cfg.fid_samples, cfg.latent_dim, 1, 1, generator=g).to(ctx.device)
        refs["fid_untrained"] = score(generate(copy.deepcopy(gan.generator).to(ctx.device), z))
    D, G = gan.discriminator, gan.generator
    opt = torch.optim.Adam([{"params": D.parameters()}, {"params": G.parameters()}], lr=cfg.lr, betas=(0.5, 0.999))
    loader = ArrayLoader(train, batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed, transform=to_gan)
    samples = SamplesAndScore(gan, cfg, ctx.out_dir, score, ctx.device)
    state, _, _ = run_fit(ctx, cfg, model=gan, optimizer=opt, step=GANStep(gan, opt, cfg.latent_dim),
                          train_loader=loader, max_epochs=cfg.max_epochs, callbacks=[samples],
                          title=f"DCGAN, {cfg.size}x{cfg.size}")  # fmt: skip
    m = {k: state.metrics[k] for k in ("train_loss_D", "train_loss_G", "examples_per_sec") if k in state.metrics}
    data = "Fashion-MNIST (the stand-in for the book's Pokemon)" if cfg.images == "fashion-mnist" else cfg.images
    lines = [f"DCGAN on {data}, {cfg.size}x{cfg.size}, {state.epoch} epochs: loss_D {m['train_loss_D']:.3f}, "
             f"loss_G {m['train_loss_G']:.3f}, {m['examples_per_sec']:.0f} images/sec"]  # fmt: skip
    if score is not None:
        m.update(refs, fid=state.metrics["fid"])
        lines.append(
            f"Fréchet distance to the test images (resnet-small features): {m['fid']:.2f}; real "
            f"training images {m['fid_floor']:.2f} (the floor), untrained generator {m['fid_untrained']:.2f}"
        )
    lines.append(f"samples: {ctx.out_dir / 'samples'} (one grid per epoch, the same noise)")
    return RunResult.of(m, lines)


@torch.inference_mode()
def sample_images(trained: Trained, inputs: list, out: str = "samples.png") -> Prediction:
    """One image per seed (the noise drawn from it), drawn as a grid to `out`; values: (C, S, S) in [0, 1]."""
    cfg, model = trained.config, trained.model
    device = next(model.parameters()).device
    seeds = [int(s) for s in inputs]
    z = torch.stack([torch.randn(cfg.latent_dim, 1, 1, generator=torch.Generator().manual_seed(s)) for s in seeds])
    images = ((generate(model.generator, z.to(device)) + 1) / 2).cpu()
    path = plot_image_grid(images, [f"seed {s}" for s in seeds], out, ncols=8, scale=1.2, value_range=(0, 1))
    return Prediction.of([f"{len(seeds)} generated images: {path}"], list(images), [path])


SAMPLER = Predictor(kind="sample-images", run=sample_images, inputs="SEED...: integers, one generated image each",
                    options={"out": "samples.png"}, example=lambda trained: ["0", "1", "2"])  # fmt: skip
DCGAN_PART = ModelPart(build=build, predictor=SAMPLER,
                       export_input=lambda t: (torch.randn(1, t.config.latent_dim, 1, 1),))  # fmt: skip

BOOK = DCGANConfig()
QUICK = replace(BOOK, size=32, train_examples=30_000, max_epochs=3)
recipe("dcgan", section="20.2 Deep Convolutional Generative Adversarial Networks", dataset="fashion-mnist",
       metric="fid", higher_is_better=False, run=run, data=DCGAN_DATA, model=DCGAN_PART,
       # quick, seeds 0, 1, 2: Fréchet distance 33.7, 18.8, 22.2 (floor 0.03-0.05, untrained 129.9-130.1), 210 s
       # of training and scoring, plus ~50 s once to pretrain the feature network
       book=Profile(BOOK, band=(0.0, 35.0), source="the book prints no number (samples only); 20 epochs at 64x64 "
                    "should beat the quick profile's worst (33.7); unmeasured here (docs/gpu-checks.md)"),
       quick=Profile(QUICK, band=(10.0, 45.0), minutes=5, source="measured, seeds 0-2"),
       tiny=Profile(replace(BOOK, synthetic=True, size=16, n_G=4, n_D=4, latent_dim=8, batch_size=32, max_epochs=2,
                            fid_samples=64)),
)  # fmt: skip
