"""Shared pipeline of the Fashion-MNIST classification recipes (book §4-5, 7): data, fit, summary, prediction grid
and confusion matrix."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from dive.data import (
    TEXT_LABELS,
    ImageBatch,
    ImageSet,
    fake_image_sets,
    image_loaders,
    load_fashion_mnist,
    text_labels,
)
from dive.plot import plot_confusion, plot_image_grid
from dive.recipes.base import RunContext, RunResult, TrainConfig
from dive.recipes.common import run_fit
from dive.recipes.image_predict import IMAGE_CLASSIFIER, image_export_input, image_meta
from dive.recipes.parts import DataPart, ModelPart
from dive.train import accuracy, confusion_matrix, format_summary
from dive.vision import flip_batch


@dataclass(frozen=True)
class FashionConfig(TrainConfig):
    """Fields of every Fashion-MNIST recipe."""

    lr: float = 0.1
    batch_size: int = 256
    max_epochs: int = 10
    channels_last: bool = False  # NHWC memory layout for model and batches (faster convolutions on CPU, measured)
    hflip: bool = False  # flip each training image left-right with probability 1/2 (book §14.1), resumable
    split: int = 1  # run each CPU batch as N slices on N threads, gradients summed (`dive.train.split`)


def fashion_meta(cfg: Any, resize: int | None = None) -> dict[str, Any]:
    """What a Fashion-MNIST classifier's predictor needs: the ten labels, 1x28x28 images, the batch resize."""
    return image_meta(TEXT_LABELS, 1, (28, 28), resize or getattr(cfg, "resize", 0) or None)


def fashion_part(build: Callable[[Any], nn.Module]) -> ModelPart:
    """The model part of a Fashion-MNIST classifier: `build(cfg)` is its network (untrained, before any custom
    initialisation), the predictor labels images."""
    return ModelPart(
        build=lambda cfg, meta: build(cfg),
        predictor=IMAGE_CLASSIFIER,
        legacy_meta=lambda folder, cfg: fashion_meta(cfg),
        export_input=image_export_input,
    )


# (train, test) ImageSets: uint8 (N, 1, 28, 28) images, int64 labels 0-9
FASHION_DATA = DataPart(
    real=lambda cfg, root: load_fashion_mnist(root), stand_in=lambda cfg: fake_image_sets(seed=cfg.seed)
)


def train_classifier(
    cfg: FashionConfig,
    ctx: RunContext,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    *,
    resize: int | None = None,
    scheduler: Any = None,
) -> RunResult:
    """Train on Fashion-MNIST (test set as validation, as the book does); save curves and a prediction grid.

    `scheduler` (a `torch.optim.lr_scheduler`) steps once per epoch, as the book's `train_ch6` does."""
    train, test = FASHION_DATA.read(cfg, ctx.data_root)
    ctx.meta.update(fashion_meta(cfg, resize))
    on_accelerator = ctx.device if ctx.device.type != "cpu" else None  # convert and resize there, not on the host
    transform = ImageBatch(resize=resize, channels_last=cfg.channels_last, device=on_accelerator)
    if cfg.channels_last:
        model = model.to(memory_format=torch.channels_last)
    augment = flip_batch if cfg.hflip else None
    # evaluation: 28x28 images in batches of at least 1,024 (LeNet's ten test passes: 1.22 -> 1.05 s on 2 cores)
    eval_batch = max(cfg.batch_size, 1024) if resize is None else cfg.batch_size
    train_loader, test_loader = image_loaders(
        train, test, cfg.batch_size, seed=cfg.seed, transform=transform, augment=augment, eval_batch_size=eval_batch
    )
    state, trainer, _ = run_fit(ctx, cfg, model=model, loss_fn=loss_fn, optimizer=optimizer, train_loader=train_loader,
                                valid_loader=test_loader, max_epochs=cfg.max_epochs, metrics=[accuracy],
                                scheduler=scheduler, split=cfg.split)  # fmt: skip
    lines = [format_summary(dict(state.metrics), str(ctx.device))]
    if ctx.dist.is_main:
        save_predictions(model, test, transform, ctx)
        lines += save_confusion(model, test_loader, ctx)
    return RunResult.of(dict(state.metrics), lines)


def save_confusion(model: nn.Module, test_loader: Any, ctx: RunContext) -> list[str]:
    """confusion.png over the test set; a warning line naming any class the model never predicts."""
    counts = confusion_matrix(model, test_loader, len(TEXT_LABELS), ctx.device)
    plot_confusion(counts, TEXT_LABELS, ctx.out_dir / "confusion.png")
    never = [TEXT_LABELS[j] for j in range(len(TEXT_LABELS)) if counts[:, j].sum() == 0]
    if not never:
        return []
    return [f"never predicted: {', '.join(never)} (their class scores stay at their floor; see confusion.png)"]


@torch.inference_mode()
def save_predictions(model: nn.Module, test: ImageSet, transform: ImageBatch, ctx: RunContext, n: int = 16) -> None:
    """predictions.png: the first `n` test images titled with the true and the predicted label (book §4.4.5)."""
    model.eval()
    preds = model(transform(test.images[:n]).to(ctx.device)).argmax(dim=1).cpu()
    titles = [f"{t}\n{p}" for t, p in zip(text_labels(test.labels[:n]), text_labels(preds), strict=True)]
    plot_image_grid(test.images[:n], titles, ctx.out_dir / "predictions.png")
