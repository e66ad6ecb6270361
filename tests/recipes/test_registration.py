"""Registration: one keyword helper (`recipe`), keyword-only `Recipe` fields, datasets checked against the
dataset registry, for every recipe."""

import dataclasses

import pytest

from dive.data import DATASETS
from dive.recipes import RECIPES, Profile, Recipe, recipe
from dive.recipes.base import GENERATED, TrainConfig


def test_every_recipe_names_a_registered_dataset_and_has_the_three_profiles():
    for name, r in RECIPES.items():
        assert r.dataset == GENERATED or r.dataset in DATASETS, (name, r.dataset)
        assert {"book", "quick", "tiny"} <= set(r.profiles), name


def test_recipe_fields_are_keyword_only():
    assert all(f.kw_only for f in dataclasses.fields(Recipe))
    with pytest.raises(TypeError):
        Recipe("x", "1.1 X", "synthetic", "loss", lambda cfg, ctx: None, {})  # bare positional values: refused


def test_registration_refuses_an_unknown_dataset_a_missing_profile_and_a_duplicate():
    p = Profile(TrainConfig())
    kw = dict(section="0 Test", metric="loss", run=lambda cfg, ctx: None, book=p, quick=p, tiny=p)
    with pytest.raises(ValueError, match="dataset 'fashion_mnist', not one of: .*fashion-mnist"):
        recipe("test-typo", dataset="fashion_mnist", **kw)
    with pytest.raises(ValueError, match="lacks the 'tiny' profile"):
        from dive.recipes import register

        register(Recipe(name="test-no-tiny", section="0", dataset=GENERATED, metric="loss", run=kw["run"],
                        profiles={"book": p, "quick": p}))  # fmt: skip
    with pytest.raises(Exception, match="lenet"):
        recipe("lenet", dataset="fashion-mnist", **kw)
    assert "test-typo" not in RECIPES and "test-no-tiny" not in RECIPES


# the one recipe that reads a real dataset without a data part: its target set is scikit-learn's bundled digits
# (always present), and its Fashion-MNIST source model comes from `recipes.pretrained`'s cache
NO_DATA_PART = {"fine-tune"}


def test_every_recipe_on_a_real_dataset_declares_its_data_and_its_tiny_profile_reads_the_stand_in():
    for name, r in RECIPES.items():
        if r.dataset == GENERATED or name in NO_DATA_PART:
            continue
        assert r.data is not None, f"{name} reads {r.dataset} but declares no data part"
        tiny, book = r.config("tiny"), r.config("book")
        assert tiny.synthetic and not book.synthetic, name
        assert r.data.stand_in(tiny) is not None, name


def test_a_data_part_reads_the_stand_in_only_when_the_config_asks(tmp_path):
    from dive.recipes.parts import DataPart

    part = DataPart(real=lambda cfg, root: ("real", root), stand_in=lambda cfg: ("stand-in", cfg.seed))
    assert part.read(TrainConfig(seed=3), str(tmp_path)) == ("real", str(tmp_path))
    assert part.read(TrainConfig(seed=3, synthetic=True), None) == ("stand-in", 3)
