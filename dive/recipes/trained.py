"""Loading a trained run and predicting with it, through the registry: recipe name -> declaration -> model.

    trained = load_trained("runs/lenet")            # no dataset needed: config, metadata and weights are in the run
    predict(trained, ["shoe.png"]).value            # what the recipe's predictor returns (here a label)

The checkpoint names its recipe; the recipe's `ModelPart` rebuilds the network from the stored config and metadata
and the weights are loaded strictly. `dive predict`, `dive classify`/`translate`/... and `dive.load` all go here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from dive.core import DiveError, config_from_dict
from dive.recipes.base import RECIPES, Recipe
from dive.recipes.common import CHECKPOINT
from dive.recipes.parts import Prediction, Trained, check_options
from dive.train import load_weights, read_checkpoint_header


def checkpoint_path(run: str | os.PathLike) -> Path:
    """A run folder's main checkpoint, or the checkpoint file itself; one line when there is none."""
    path = Path(run)
    if path.is_dir():
        if not (path / CHECKPOINT).is_file():
            raise DiveError(f"{path} holds no {CHECKPOINT}: not a finished run of a recipe that trains a model")
        return path / CHECKPOINT
    if not path.is_file():
        raise DiveError(f"no checkpoint at {path}: no such run folder or file")
    return path


def recipe_of(extra: dict[str, Any], path: Path) -> Recipe:
    """The recipe a checkpoint records; a clear line when it names none, an unknown one, or one with no model."""
    name = extra.get("recipe")
    if not name:
        raise DiveError(f"{path} records no recipe: it was not written by `dive run`")
    if name not in RECIPES:
        raise DiveError(f"{path} is a run of recipe {name!r}, which this dive does not know (dive list)")
    recipe = RECIPES[name]
    if recipe.model is None:
        raise DiveError(f"recipe {name!r} declares no model to rebuild (it has no predictor yet): {path}")
    return recipe


def load_trained(run: str | os.PathLike, device: str | torch.device = "cpu") -> Trained:
    """The trained model of a run folder (or checkpoint), rebuilt from the checkpoint alone, in eval mode."""
    path = checkpoint_path(run)
    shapes, header = read_checkpoint_header(path)  # no tensor is read before the sizes are checked
    extra = header.get("extra", {})
    recipe = recipe_of(extra, path)
    if "config" not in extra:
        raise DiveError(f"{path} records no config: re-run `dive run {recipe.name}` to write a complete checkpoint")
    cfg = config_from_dict(type(recipe.config("book")), extra["config"])
    part = recipe.model
    meta = extra.get("meta")
    if meta is None:
        meta = part.legacy_meta(path.parent, cfg) if part.legacy_meta else {}
    check_sizes(part, cfg, meta, shapes, path)
    model = part.build(cfg, meta)
    load_weights(path, model)
    model.to(device).eval()
    return Trained(recipe.name, extra.get("profile", ""), cfg, meta, model, path, extra.get("dive", ""))


def check_sizes(part: Any, cfg: Any, meta: dict[str, Any], shapes: dict[str, list[int]], path: Path) -> None:
    """Build the network on the meta device (no memory) and compare its tensors' shapes with the checkpoint's
    (`shapes`), before anything is allocated: a config edited to `num_hiddens=200000` would otherwise ask for 640 GB."""
    stored = {k[len("model.") :]: v for k, v in shapes.items() if k.startswith("model.")}
    try:
        with torch.device("meta"):
            ghost = part.build(cfg, meta)
    except Exception:  # a network that cannot be built on the meta device is checked by load_weights instead
        return
    wanted = {k: list(v.shape) for k, v in ghost.state_dict().items()}
    differ = next((k for k in wanted if k in stored and wanted[k] != stored[k]), None)
    if differ is not None or set(wanted) != set(stored):
        what = f"{differ}: config gives {wanted[differ]}, weights hold {stored[differ]}" if differ else "its tensors"
        raise DiveError(f"{path}: the stored config does not match the stored weights ({what}); the checkpoint "
                        "was edited or damaged")  # fmt: skip


def predict(run: Trained | str | os.PathLike, inputs: list[Any], **options: Any) -> Prediction:
    """The recipe's predictor on `inputs` (strings, file paths, or tensors where the predictor takes them)."""
    trained = run if isinstance(run, Trained) else load_trained(run)
    predictor = RECIPES[trained.recipe].model.predictor
    if predictor is None:
        raise DiveError(f"recipe {trained.recipe!r} rebuilds its model but declares no predictor")
    return predictor.run(trained, list(inputs), **check_options(predictor, options))
