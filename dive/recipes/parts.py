"""The parts of a recipe that outlive its run: how its model is rebuilt, and what inference means for it.

A recipe trains with its data; what it leaves in its run folder must be usable without that data. So besides its
`run`, a recipe that trains a model declares a `ModelPart`:
- `build(cfg, meta) -> nn.Module`: the untrained network of a run's shape, from its config and the small metadata
  its data produced (vocabularies, class names, input size). The recipe's own `run` builds its model through the
  same function, so a loaded model is the trained one by construction.
- `predictor`: what inference means for it (label an image, continue a prefix, translate, detect, ...), as a
  function of the loaded run and a list of inputs, returning printable lines and a value for Python.
- `example`: an input the predictor accepts, for `dive predict --help`, the registry-wide test and `dive export`.

The metadata travels inside the checkpoint's JSON (safetensors metadata: no pickle), beside the recipe's name,
its config and the dive version, so one file rebuilds the model (`load_trained`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torch import nn


@dataclass
class Trained:
    """A trained model rebuilt from its checkpoint: `model` (eval mode), the run's `config` and `meta`."""

    recipe: str
    profile: str
    config: Any
    meta: dict[str, Any]
    model: nn.Module
    path: Path  # the checkpoint file
    version: str = ""  # the dive version that wrote it ("" for checkpoints older than the field)


@dataclass
class Prediction:
    """What a predictor found: `lines` for the terminal, `value` for Python (labels, text, boxes...), `files`."""

    lines: list[str]
    value: Any
    files: list[Path] = field(default_factory=list)

    @classmethod
    def of(cls, lines: list[str], values: Sequence[Any], files: Sequence[Path] = ()) -> Prediction:
        """The answers to a list of inputs: one input's value itself, several inputs' values as a list."""
        return cls(lines, values[0] if len(values) == 1 else list(values), list(files))


@dataclass(frozen=True, kw_only=True)
class Predictor:
    """Inference for one kind of model. `run(trained, inputs, **options) -> Prediction`; `options` are its keyword
    options with their defaults (`dive predict --beam=4`), `inputs` says what an input is, for `--help`."""

    kind: str  # e.g. "image-class", "generate", "translate", "text-class", "text-pair", "detect", "segment"
    run: Callable[..., Prediction]
    inputs: str  # e.g. "IMAGE...: image files (any size; converted to the model's input)"
    options: Mapping[str, Any] = field(default_factory=dict)
    example: Callable[[Trained], list[Any]] = lambda trained: []  # noqa: E731


@dataclass(frozen=True, kw_only=True)
class ModelPart:
    """How a recipe's trained model is rebuilt (`build`) and used (`predictor`) without its dataset.

    `legacy_meta(folder, cfg)` gives the metadata of a checkpoint written before metadata was stored in it (from
    the side files the run wrote then, e.g. vocab.json); None where there is nothing to recover."""

    build: Callable[[Any, dict[str, Any]], nn.Module]
    predictor: Predictor | None = None
    legacy_meta: Callable[[Path, Any], dict[str, Any]] | None = None
    export_input: Callable[[Trained], tuple[Any, ...]] | None = None  # example tensors for `dive export`
    export_note: str = ""  # why the network is not traced, where `export_input` is None


@dataclass(frozen=True, kw_only=True)
class DataPart:
    """How a recipe's data is read: `real(cfg, data_root)` from its dataset's files, or `stand_in(cfg)`, data of
    the same shapes and types made by `dive.data`'s generators, which the tiny profiles (`synthetic=True`) train on.

    The choice is made here, once, so a recipe's experiment code reads its data the same way in a test and in a
    real run, and a reader can see what a test trains on without reading the experiment."""

    real: Callable[[Any, str | None], Any]
    stand_in: Callable[[Any], Any]

    def read(self, cfg: Any, data_root: str | None) -> Any:
        return self.stand_in(cfg) if cfg.synthetic else self.real(cfg, data_root)


def vocab_files(**keys: str) -> Callable[[Path, Any], dict[str, Any]]:
    """A `legacy_meta` reading vocabularies saved beside old checkpoints: `vocab_files(vocab="vocab.json")`."""
    import json

    from dive.core import DiveError

    def read(folder: Path, cfg: Any) -> dict[str, Any]:
        meta = {}
        for key, name in keys.items():
            path = folder / name
            if not path.is_file():
                raise DiveError(f"{folder} has no {name}: re-run the recipe there to save a self-contained checkpoint")
            meta[key] = json.loads(path.read_text())
        return meta

    return read


def check_options(predictor: Predictor, options: Mapping[str, Any]) -> dict[str, Any]:
    """The predictor's defaults updated with `options`; an unknown option is one line naming the known ones."""
    from dive.core import ConfigError

    unknown = sorted(set(options) - set(predictor.options))
    if unknown:
        known = ", ".join(f"--{k}" for k in predictor.options) or "none"
        raise ConfigError(f"the {predictor.kind} predictor has no option {', '.join(unknown)}; its options: {known}")
    return {**predictor.options, **options}


SHOW_UNKNOWN = 8  # unknown tokens named in a note; the rest are counted


def unknown_note(unknown: list[str], total: int, unit: str, vocab: str = "") -> str:
    """One short line for the tokens not in the vocabulary, however many there are (at most SHOW_UNKNOWN named)."""
    distinct = list(dict.fromkeys(unknown))
    named = " ".join(shorten(t) for t in distinct[:SHOW_UNKNOWN])
    if len(distinct) > SHOW_UNKNOWN:
        named += f" ... ({len(distinct) - SHOW_UNKNOWN} more)"
    share = f"all {total}" if len(unknown) == total else f"{len(unknown)} of {total}"
    where = f"the {vocab} vocabulary" if vocab else "the vocabulary"
    return f"note: {share} {unit} not in {where}, read as <unk>: {named}"


def shorten(text: str, most: int = 40) -> str:
    """User text fit to be echoed in one line: control characters escaped, at most `most` characters shown."""
    shown = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return shown if len(shown) <= most else f"{shown[: most - 3]}... ({len(text):,} characters)"


def vocab_of(meta: dict[str, Any], key: str = "vocab"):
    """The `Vocab` stored in a run's metadata (its tokens in index order)."""
    from dive.text import Vocab

    return Vocab.from_json(meta[key])


def vocab_meta(vocab) -> dict[str, Any]:
    """A vocabulary as metadata: its tokens in index order (frequencies are not needed to predict)."""
    return {"idx_to_token": list(vocab.idx_to_token)}
