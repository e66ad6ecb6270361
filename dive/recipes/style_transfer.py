"""Neural style transfer (book §14.12): `style-transfer`, the synthesised image as the only parameter.

A frozen CNN turns images into feature maps. The synthesised image starts as the content photo and is changed by
gradient descent so that (1) its features at a deep layer stay close to the content photo's (content loss: the
squared error), (2) the Gram matrices of its features at five layers match the style photo's (style loss: a Gram
matrix, channels x channels correlations averaged over positions, keeps textures and colours and forgets where
things are), and (3) neighbouring pixels stay similar (total variation loss, against high-frequency noise).
Weights: content 1, style 1e4, TV 10. (The book writes style 1e3 and sums `10 * styles_l`, a Python list
repeated ten times, so its style weight is in effect 1e4.) Adam at lr 0.3, times 0.8 every 50 steps, 500 steps.

The book's extractor is ImageNet VGG-19 (style layers 0, 5, 10, 19, 28; content 25): `--weights PATH` (a
torchvision VGG-19 state dict) runs it. No ImageNet weights are obtainable here, so offline the extractor is the
best one dive trains itself: torchvision's ResNet-18 trained on the 1,000 real Kaggle CIFAR-10 photos
(`recipes/pretrained.py`, cached). It is far weaker than ImageNet's: colours and blotches of the style move in,
brush strokes do not, and its stride-2 stem leaves blocks. Its features are larger than VGG's, so the quick
profile's style weight is 1e3 (chosen by looking at the pictures). `--extractor vgg19-random` shows what
untrained features give: content and style losses near 1e-3 against a TV loss near 0.2, so the TV term smooths
the picture away (measured). The content and style targets are computed once.
Each step is one "epoch" of the one fit loop (a loader of one empty batch), so history, curves, checkpoints and
--resume work as for every recipe; the loss parts are the three curves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from dive.core import ConfigError, DiveError
from dive.data import IMAGENET_MEAN, IMAGENET_STD, fake_photos, read_image
from dive.data.catalog import IMG
from dive.data.files import locate
from dive.plot import plot_image_grid
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import run_fit
from dive.recipes.parts import DataPart, ModelPart, Prediction, Predictor, Trained
from dive.train import StepOut
from dive.train.optim import Adam

STYLE_LAYERS, CONTENT_LAYERS = (0, 5, 10, 19, 28), (25,)  # VGG-19's `features` indices, the book's
# dive's own ResNet-18 as one Sequential (conv1, bn1, relu, maxpool, layer1..4): style from the stem's ReLU and
# every stage, content from layer2 (stride 8, the depth VGG's content layer has relative to its style layers)
RESNET_STAGES = ("conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4")
RESNET_STYLE_LAYERS, RESNET_CONTENT_LAYERS = (2, 4, 5, 6, 7), (5,)
EXTRACTORS = ("vgg19-random", "kaggle-cifar10")


@dataclass(frozen=True)
class StyleConfig(TrainConfig):
    """Book §14.12: the image size, the three losses' weights and Adam's schedule; the book's by default."""

    lr: float = 0.3
    max_epochs: int = 500  # optimisation steps
    lr_period: int = 50
    lr_decay: float = 0.8
    height: int = 300
    width: int = 450
    content_weight: float = 1.0
    style_weight: float = 1e4
    tv_weight: float = 10.0
    weights: str = ""  # a torchvision VGG-19 state dict: the book's experiment
    extractor: str = "kaggle-cifar10"  # without --weights: ResNet-18 pretrained by dive (cached), or "vgg19-random"


def gram(X: Tensor) -> Tensor:
    """Features (1, C, H, W) -> (C, C) channel correlations, divided by C H W (the book's normalisation)."""
    c, n = X.shape[1], X.numel() // X.shape[1]
    X = X.reshape(c, n)
    return X @ X.T / (c * n)


def tv_loss(Y: Tensor) -> Tensor:
    """Mean absolute difference of vertically and horizontally neighbouring pixels, halved."""
    return 0.5 * ((Y[:, :, 1:, :] - Y[:, :, :-1, :]).abs().mean() + (Y[:, :, :, 1:] - Y[:, :, :, :-1]).abs().mean())


class SynthesizedImage(nn.Module):
    """The image being made, (1, 3, H, W) normalised, as the model's only parameter."""

    def __init__(self, start: Tensor) -> None:
        super().__init__()
        self.weight = nn.Parameter(start.clone())

    def forward(self) -> Tensor:
        return self.weight


@dataclass(frozen=True)
class Extractor:
    """A frozen CNN cut into a Sequential, and which of its outputs the two losses read."""

    net: nn.Sequential
    style_layers: tuple[int, ...]
    content_layers: tuple[int, ...]
    name: str


def extractor(cfg: StyleConfig, data_root=None) -> Extractor:
    """The book's VGG-19 (--weights, else random weights), or dive's ResNet-18 pretrained on CIFAR tiny."""
    import torchvision

    from dive.nn import load_pretrained

    if cfg.extractor not in EXTRACTORS:
        raise ConfigError(f"--extractor is one of {', '.join(EXTRACTORS)} (or give --weights PATH), "
                          f"got {cfg.extractor!r}")  # fmt: skip
    if cfg.extractor == "kaggle-cifar10" and not cfg.weights:
        from dive.recipes.pretrained import photo_resnet18

        resnet, _ = photo_resnet18(data_root, epochs=2 if cfg.synthetic else 20, synthetic=cfg.synthetic)
        net = nn.Sequential(*[getattr(resnet, n) for n in RESNET_STAGES])
        out = Extractor(net, RESNET_STYLE_LAYERS, RESNET_CONTENT_LAYERS,
                        "ResNet-18 pretrained by dive on the 1,000 Kaggle CIFAR-10 photos")  # fmt: skip
    else:
        vgg = torchvision.models.vgg19(weights=None)
        if cfg.weights:
            load_pretrained(cfg.weights, vgg, what="torchvision VGG-19")
        net = nn.Sequential(*[vgg.features[i] for i in range(max(CONTENT_LAYERS + STYLE_LAYERS) + 1)])
        name = f"VGG-19 from {cfg.weights}" if cfg.weights else "VGG-19 with RANDOM weights (no ImageNet weights here)"
        out = Extractor(net, STYLE_LAYERS, CONTENT_LAYERS, name)
    out.net.eval()
    for p in out.net.parameters():
        p.requires_grad_(False)
    return out


def features(ex: Extractor, X: Tensor) -> tuple[list[Tensor], list[Tensor]]:
    """(content features, style features) of X at the extractor's content and style layers, in one pass."""
    contents, styles = [], []
    for i, layer in enumerate(ex.net):
        X = layer(X)
        if i in ex.style_layers:
            styles.append(X)
        if i in ex.content_layers:
            contents.append(X)
        if i >= max(ex.style_layers + ex.content_layers):
            break
    return contents, styles


class StyleStep:
    """The three losses of the current image against targets computed once (content features, style Grams)."""

    def __init__(self, net, content_targets: Sequence[Tensor], style_grams: Sequence[Tensor], cfg: StyleConfig):
        self.net, self.contents, self.grams, self.cfg = net, list(content_targets), list(style_grams), cfg

    def __call__(self, forward: Callable[..., Any], batch: Sequence[Tensor], state: Any = None) -> StepOut:
        X = forward()
        contents, styles = features(self.net, X)
        content = sum(F.mse_loss(y, t) for y, t in zip(contents, self.contents)) * self.cfg.content_weight
        style = sum(F.mse_loss(gram(y), g) for y, g in zip(styles, self.grams)) * self.cfg.style_weight
        tv = tv_loss(X) * self.cfg.tv_weight
        return StepOut(content + style + tv, 1, None, None, parts={"content": content, "style": style, "tv": tv})


def to_image(X: Tensor) -> Tensor:
    """A normalised (1, 3, H, W) image back to uint8 (3, H, W)."""
    mean, std = torch.tensor(IMAGENET_MEAN).view(3, 1, 1), torch.tensor(IMAGENET_STD).view(3, 1, 1)
    return ((X[0].detach().cpu() * std + mean).clamp(0, 1) * 255).round().to(torch.uint8)


# the content and the style photo, uint8 (3, H, W) each
PHOTOS_DATA = DataPart(
    real=lambda cfg, root: [read_image(locate(IMG, root) / name) for name in ("rainier.jpg", "autumn-oak.jpg")],
    stand_in=lambda cfg: fake_photos(2, (3, 40, 60), cfg.seed),
)


def run(cfg: StyleConfig, ctx: RunContext) -> RunResult:
    from dive.data import ImageBatch

    size = (cfg.height, cfg.width)
    content_img, style_img = PHOTOS_DATA.read(cfg, ctx.data_root)
    prep = ImageBatch(resize=size, mean=IMAGENET_MEAN, std=IMAGENET_STD)
    content_X, style_X = prep(content_img[None]).to(ctx.device), prep(style_img[None]).to(ctx.device)
    net = extractor(cfg, ctx.data_root)
    net.net.to(ctx.device)
    with torch.no_grad():  # the targets, once: no recomputation per step
        content_targets, _ = features(net, content_X)
        style_grams = [gram(y) for y in features(net, style_X)[1]]
    image = SynthesizedImage(content_X)
    opt = Adam(image.parameters(), lr=cfg.lr)
    scheduler = torch.optim.lr_scheduler.StepLR(opt, cfg.lr_period, cfg.lr_decay)
    state, _, _ = run_fit(ctx, cfg, model=image, step=StyleStep(net, content_targets, style_grams, cfg),
                          optimizer=opt, scheduler=scheduler, train_loader=[()], max_epochs=cfg.max_epochs,
                          checkpoint_every_epochs=50)  # fmt: skip
    m = dict(state.metrics)
    if ctx.dist.is_main:
        from PIL import Image

        def resized(img: Tensor) -> Tensor:
            return (ImageBatch(resize=size)(img[None])[0] * 255).round().to(torch.uint8)

        result = to_image(image.weight)
        plot_image_grid(torch.stack([resized(content_img), result, resized(style_img)]),
                        ["content", "synthesised", "style"], ctx.out_dir / "styled.png", ncols=3, scale=4)  # fmt: skip
        Image.fromarray(result.permute(1, 2, 0).numpy()).save(ctx.out_dir / "result.png")
    weaker = "" if cfg.weights else " (far weaker than the book's ImageNet VGG-19)"
    summary = (f"after {cfg.max_epochs} steps: content loss {m['train_content']:.3f}, style {m['train_style']:.3f}, "
               f"TV {m['train_tv']:.3f}; features: {net.name}{weaker}; wrote result.png and styled.png")  # fmt: skip
    return RunResult.of(m, summary)


def synthesized(trained: Trained, inputs: list, out: str = "") -> Prediction:
    """The run's synthesised image (its only parameter), uint8 (3, H, W); `out`: also write it as a PNG."""
    if inputs:
        raise DiveError("a style-transfer run holds one synthesised image and reads no input; give --out=FILE.png")
    image = to_image(trained.model.weight)
    lines, files = [f"the synthesised image: {image.shape[2]} x {image.shape[1]} pixels"], []
    if out:
        from PIL import Image

        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image.permute(1, 2, 0).numpy()).save(out)
        files.append(Path(out))
        lines.append(f"wrote {out}")
    return Prediction(lines, image, files)


STYLE_PART = ModelPart(
    build=lambda cfg, meta: SynthesizedImage(torch.zeros(1, 3, cfg.height, cfg.width)),
    predictor=Predictor(
        kind="image", run=synthesized, inputs="(none): the run's image; --out=FILE.png writes it", options={"out": ""}
    ),
    export_note="its model is one image: `dive predict RUN --out=FILE.png` writes it",
)

BOOK = StyleConfig()
recipe("style-transfer", section="14.12 Neural Style Transfer (rainier.jpg in the style of autumn-oak.jpg)",
       dataset="img", metric="train_loss", higher_is_better=False, run=run, model=STYLE_PART, data=PHOTOS_DATA,
       # the book's numbers (content ~0.77, style ~0.04, TV ~1.2 at the end) hold with ImageNet weights (--weights)
       book=Profile(BOOK, band=(0.5, 3.0), minutes=15, source="book §14.12: total about 2 with ImageNet VGG-19"),
       # dive's CIFAR-tiny ResNet-18: content 2.709, style 1.018, TV 1.038 after 200 steps (13 s, + 2 min pretraining
       # once); random VGG-19 (--extractor vgg19-random --style_weight 1e4): total 0.25, a smooth blur
       quick=Profile(replace(BOOK, height=150, width=225, max_epochs=200, style_weight=1e3), band=(3.0, 7.0), minutes=3,
                     source="measured, 2 CPU cores, ResNet-18 pretrained by dive on Kaggle CIFAR-10 tiny"),
       tiny=Profile(replace(BOOK, synthetic=True, height=32, width=48, max_epochs=3)),
)  # fmt: skip
