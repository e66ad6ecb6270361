"""Every registered recipe runs its `tiny` profile (synthetic stand-ins, seconds) and writes its outputs."""

import math
from dataclasses import replace

import pytest

from dive.cli.run import run_recipe, run_with_context
from dive.recipes import RECIPES, load_trained, predict


@pytest.mark.parametrize("name", RECIPES.names())
def test_recipe_tiny_profile_runs(name, tmp_path, monkeypatch):
    record, ctx = run_with_context(name, "tiny", out=tmp_path, device="cpu", progress=False)
    recipe = RECIPES[name]
    value = record["metrics"][recipe.metric]
    assert math.isfinite(value) and record["summary"]
    files = ("summary.json", "history.jsonl") + (("curves.png", "checkpoint.safetensors") if recipe.checkpoints else ())
    for f in files:
        assert (tmp_path / f).stat().st_size > 0, f
    assert any(p.stat().st_size > 0 for p in tmp_path.glob("*.png"))  # a demonstration draws its own picture
    if recipe.checkpoints:  # the trained model comes back from the run folder alone, and predicts as it did
        monkeypatch.setenv("DIVE_DATA", str(tmp_path / "no-data"))
        monkeypatch.setenv("DIVE_CACHE", str(tmp_path / "no-cache"))
        trained = load_trained(tmp_path)
        assert trained.recipe == name and trained.version
        run_model = ctx.models["model"].eval()
        predictor = recipe.model.predictor
        inputs = predictor.example(trained)
        loaded = predict(trained, inputs)
        again = predict(replace(trained, model=run_model), inputs)
        assert loaded.lines and same(loaded.value, again.value), (loaded.lines, again.lines)


def same(a, b) -> bool:
    """Prediction values equal: tensors and floats to 1e-5, the rest exactly."""
    import torch

    if isinstance(a, torch.Tensor):
        return torch.allclose(a.float(), b.float(), atol=1e-5)
    if isinstance(a, float):
        return abs(a - b) <= 1e-5 * max(1.0, abs(a))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def test_every_recipe_that_trains_a_model_declares_how_to_rebuild_and_use_it():
    assert [n for n, r in RECIPES.items() if r.checkpoints and (r.model is None or r.model.predictor is None)] == []


@pytest.mark.parametrize("name", RECIPES.names())
def test_recipe_declares_profiles_bands_and_minutes(name):
    recipe = RECIPES[name]
    for profile in ("book", "quick"):
        p = recipe.profiles[profile]
        assert p.band is not None and p.band[0] <= p.band[1] and p.source
    assert recipe.profiles["quick"].minutes <= 5  # book profiles of chapter 8 are GPU-sized: no CPU minutes
    assert recipe.section[0].isdigit()


def test_classifier_learns_the_stand_in(tmp_path):
    record = run_recipe("mlp", "tiny", ["max_epochs=4"], out=tmp_path, device="cpu", progress=False)
    assert record["metrics"]["test_acc"] > 0.5  # 10 classes: chance is 0.1
    assert (tmp_path / "predictions.png").exists() and (tmp_path / "confusion.png").stat().st_size > 0


def test_a_class_never_predicted_is_named_under_the_summary(tmp_path):
    """A final ReLU can kill a class's score for good (NiN): the run says which classes were never predicted."""
    import torch

    from dive.data import TEXT_LABELS, ArrayLoader
    from dive.recipes.base import RunContext
    from dive.recipes.classify import save_confusion
    from dive.train import confusion_matrix

    class NeverTrouser(torch.nn.Module):
        def forward(self, X):
            logits = torch.nn.functional.one_hot(X.flatten(1)[:, 0].long() % 10, 10).float()
            return logits - 100 * torch.nn.functional.one_hot(torch.tensor(1), 10)  # class 1 never wins

    X, y = torch.arange(40).float().view(40, 1), torch.arange(40) % 10
    loader = ArrayLoader(X, y, batch_size=16)
    counts = confusion_matrix(NeverTrouser(), loader, 10)
    assert counts.sum() == 40 and counts[:, 1].sum() == 0 and counts.diag().sum() == 36
    ctx = RunContext(recipe="t", profile="tiny", device=torch.device("cpu"), out_dir=tmp_path)
    lines = save_confusion(NeverTrouser(), loader, ctx)
    assert lines == [f"never predicted: {TEXT_LABELS[1]} (their class scores stay at their floor; see confusion.png)"]
    assert (tmp_path / "confusion.png").stat().st_size > 0


def test_kaggle_house_writes_a_submission(tmp_path):
    run_recipe("kaggle-house", "tiny", out=tmp_path, device="cpu", progress=False)
    lines = (tmp_path / "submission.csv").read_text().splitlines()
    assert lines[0] == "Id,SalePrice" and len(lines) == 33


@pytest.mark.parametrize("name", ["alexnet", "vgg", "nin", "googlenet", "resnet", "densenet"])
def test_cnn_book_profiles_feed_their_model_the_size_it_is_built_for(name):
    from dive.models import MODELS

    for profile in ("book", "quick"):
        cfg = RECIPES[name].config(profile)
        assert (cfg.resize or 28) == MODELS[cfg.model].input_shape[-1], (profile, cfg.model)
