"""Inference for detectors (book §14.7-14.8) and segmenters (§14.11) on any photo, through a run's model part.

A photo (a file, or a uint8 (3, H, W) tensor) is resized to the model's square or (h, w) input; boxes come back
in the photo's own pixels (relative corners are the same on both), class maps at the photo's own size. Files are
refused from their header beyond `MAX_PIXELS`, before anything is decoded.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from dive.core import DiveError
from dive.data import ImageBatch
from dive.plot import BoxPanel, plot_boxes, plot_image_grid
from dive.recipes.image_predict import as_image
from dive.recipes.parts import Prediction, Predictor, Trained
from dive.vision import Detections, to_pixels


def read_photo(x: Any) -> tuple[Tensor, str]:
    """(uint8 (3, H, W), a name to show) of a file path or an image tensor."""
    image = as_image(x)
    if image.shape[0] != 3:
        raise DiveError(f"a photo has 3 channels (RGB), got {image.shape[0]}")
    return image, Path(x).name if isinstance(x, (str, Path)) else "image"


def example_photo(trained: Trained) -> list[Tensor]:
    """A stand-in photo: a bright square on grey."""
    image = torch.full((3, 96, 128), 90, dtype=torch.uint8)
    image[:, 24:72, 32:96] = 230
    return [image]


def detector(find: Callable[[torch.nn.Module, Tensor, Any], list[Detections]]) -> Predictor:
    """The predictor of a detector whose `find(model, X (B, 3, s, s) in [0, 1], cfg)` gives relative boxes."""

    @torch.inference_mode()
    def run(trained: Trained, inputs: list[Any], threshold: float = 0.5, out: str = "") -> Prediction:
        if not 0.0 <= threshold <= 1.0:
            raise DiveError(f"--threshold must be in [0, 1], got {threshold}")
        if not inputs:
            raise DiveError("give one or more photos to detect objects in")
        classes, size = trained.meta["classes"], trained.meta["size"]
        device = next(trained.model.parameters()).device
        lines, values, panels = [], [], []
        for x in inputs:
            image, name = read_photo(x)
            _, h, w = image.shape
            X = F.interpolate(ImageBatch()(image[None]), size=(size, size), mode="bilinear", antialias=True)
            (det,) = find(trained.model, X.to(device), trained.config)
            shown = det.scores.cpu() >= threshold
            boxes = to_pixels(det.boxes.cpu()[shown], w, h)
            kept = zip(det.labels.cpu()[shown], det.scores.cpu()[shown], boxes.round().int().tolist())
            found = [{"label": classes[int(c)], "score": float(s), "box": b} for c, s, b in kept]
            values.append(found)
            lines += [f"{name}: {f['label']} {f['score']:.2f}  box {f['box']}" for f in found]
            lines.append(f"{name}: {len(found)} detection(s) with score >= {threshold:g}")
            labels = [f"{f['label']} {f['score']:.2f}" for f in found]
            panels.append(BoxPanel(image, boxes, labels, f"{name}: {len(found)} detections", colors=["r"] * len(found)))
        files = []
        if out:
            files.append(plot_boxes(panels, out, scale=6))
            lines.append(f"wrote {files[0]}")
        return Prediction.of(lines, values, files)

    return Predictor(kind="detect", run=run, inputs="PHOTO...: image files (or (3, H, W) tensors)",
                     options={"threshold": 0.5, "out": ""}, example=example_photo)  # fmt: skip


@torch.inference_mode()
def segment_images(trained: Trained, inputs: list[Any], out: str = "") -> Prediction:
    """Each photo's class map (H, W) at its own size, the largest classes, and (with `out`) photo and map drawn."""
    meta = trained.meta
    classes, palette = meta["classes"], torch.tensor(meta["palette"], dtype=torch.uint8)
    device = next(trained.model.parameters()).device
    lines, values, tiles, titles = [], [], [], []
    for x in inputs:
        image, name = read_photo(x)
        _, h, w = image.shape
        X = ImageBatch(resize=tuple(meta["size"]), mean=meta["mean"], std=meta["std"])(image[None])
        logits = F.interpolate(trained.model(X.to(device)).float(), size=(h, w), mode="bilinear", align_corners=False)
        pred = logits.argmax(dim=1)[0].to(torch.uint8).cpu()  # (h, w)
        values.append(pred)
        shares = torch.bincount(pred.flatten().long(), minlength=len(classes)) / pred.numel()
        top = sorted(zip(shares.tolist(), classes), reverse=True)[:5]
        lines.append(f"{name}: largest classes: " + ", ".join(f"{c} {s:.0%}" for s, c in top))
        tiles += [image, palette[pred.long()].permute(2, 0, 1)]
        titles += [name, "prediction"]
    files = []
    if out:
        files.append(plot_image_grid(torch.stack(tiles), titles, out, ncols=2, scale=5))
        lines.append(f"wrote {files[0]}")
    return Prediction.of(lines, values, files)


SEGMENTER = Predictor(kind="segment", run=segment_images, inputs="PHOTO...: image files (or (3, H, W) tensors)",
                      options={"out": ""}, example=example_photo)  # fmt: skip
