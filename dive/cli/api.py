"""The Python API, for notebooks and scripts: `dive.run(...)` and `dive.load(...)`.

    import dive
    r = dive.run("lenet", profile="quick", lr=0.5)   # exactly `dive run lenet --profile quick --lr=0.5`
    r.metrics["test_acc"], r.history, r.dir, r.model
    model = dive.load("runs/lenet")                  # the trained model of a finished run (no dataset needed)
    dive.predict("runs/lenet", ["shoe.png"])         # its recipe's inference: a label, a translation, boxes...
    dive.sweep("lenet", {"lr": "loguniform:0.01:1"}, profile="quick", trials=10)   # `dive sweep`: a DataFrame

`run` goes through the same code as the command (the same checks, run directory, files and summary lines) and
returns a `Run`. In Jupyter the run's pictures (curves.png, confusion.png, ...) are also shown inline; on a terminal
nothing more happens, and IPython is never imported unless it is already running.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dive.core import DiveError


@dataclass
class Run:
    """A finished run: `metrics`, `summary`, `dir`, `record` (summary.json), `models` (name -> trained module)."""

    name: str
    profile: str
    dir: Path
    record: dict[str, Any]
    models: dict[str, Any] = field(default_factory=dict)

    @property
    def metrics(self) -> dict[str, float]:
        return self.record["metrics"]

    @property
    def summary(self) -> str:
        return self.record["summary"]

    @property
    def model(self):
        """The trained model (the main one, where a recipe trains several: see `models`); None if none trained."""
        if not self.models:
            return None
        return self.models.get("model", next(iter(self.models.values())))

    @property
    def history(self):
        """The per-epoch records of history.jsonl as a pandas DataFrame (one row per epoch)."""
        return _history(self.dir, "epoch")

    @property
    def steps(self):
        """The per-step records (loss every `log_every` steps) as a DataFrame."""
        return _history(self.dir, "step")

    def pictures(self) -> list[Path]:
        return sorted(p for p in self.dir.rglob("*.png"))

    def __repr__(self) -> str:
        return f"Run({self.name!r}, profile={self.profile!r}, dir={str(self.dir)!r})\n{self.summary}"


def _history(folder: Path, kind: str):
    import pandas as pd

    rows = []
    for path in sorted(folder.rglob("history.jsonl")):
        sub = path.parent.relative_to(folder).as_posix()
        for line in path.read_text().splitlines():
            rec = json.loads(line)
            if rec.get("kind", kind) == kind:
                rows.append({**({"sub": sub} if sub != "." else {}), **{k: v for k, v in rec.items() if k != "kind"}})
    return pd.DataFrame(rows)


def _text(value: Any) -> str:
    """A config value as `--key=value` text: true/false, comma-joined sequences, none."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return "none" if value is None else str(value)


def _overrides(kwargs: dict[str, Any]) -> list[str]:
    return [f"{k}={_text(v)}" for k, v in kwargs.items()]


def in_notebook() -> bool:
    """True inside a Jupyter kernel; never imports IPython itself."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def show(paths) -> None:
    """Display PNG files inline in Jupyter (nothing elsewhere)."""
    if not in_notebook():
        return
    from IPython.display import Image, display

    for p in paths:
        display(Image(filename=str(p)))


def run(name: str, profile: str = "book", *, out: str | None = None, resume: bool = False, device: str = "auto",
        data: str | None = None, quiet: bool = False, precision: str = "fp32", compile: bool = False,
        accumulate: int = 1, log: str = "", early_stop: str | None = None, show_pictures: bool = True,
        **config: Any) -> Run:  # fmt: skip
    """Train recipe `name` as `dive run` does; keyword arguments beyond these set config fields (`lr=0.5`).
    `accumulate`, `log` ("tensorboard,csv") and `early_stop` ("test_loss:3") are `dive run`'s flags."""
    from dive.cli.run import report_lines, run_with_context
    from dive.recipes import TrainOptions

    options = TrainOptions.parse(accumulate, log, early_stop, name)
    record, ctx = run_with_context(name, profile, _overrides(config), out, resume, device, data,
                                   False if quiet else None, precision, compile, options=options)  # fmt: skip
    print("\n".join(report_lines(record, ctx.out_dir)))
    result = Run(name, profile, Path(ctx.out_dir), record, dict(ctx.models))
    if show_pictures:
        show(result.pictures())
    return result


def load(run_dir: str | Path, device: str = "cpu"):
    """The trained model of a run (its folder or checkpoint), in eval mode, rebuilt from the checkpoint alone
    through the recipe's declared model part: no dataset is read."""
    from dive.recipes import RECIPES, load_trained

    folder = Path(run_dir)
    if folder.is_dir() and not (folder / "checkpoint.safetensors").is_file():
        summary = folder / "summary.json"
        if not summary.is_file():
            raise DiveError(f"{folder} is not a finished run: no summary.json (dive run writes it at the end)")
        name = json.loads(summary.read_text()).get("recipe")
        if name in RECIPES and not RECIPES[name].checkpoints:
            raise DiveError(f"{folder} holds no checkpoint: recipe {name!r} trains no model")
        raise DiveError(f"{folder} is a finished {name} run whose checkpoint.safetensors is missing (deleted?); "
                        f"run it again: dive run {name} --out {folder}")  # fmt: skip
    return load_trained(folder, device).model


def predict(run_dir: str | Path, inputs: list[Any], **options: Any):
    """The run's recipe's inference on `inputs` (`dive predict RUN INPUT...`): returns a `Prediction`, whose
    `value` is the answer (a label, a translation, boxes, ...) and `lines` what the command prints."""
    from dive.recipes import predict as run_predictor

    return run_predictor(run_dir, inputs, **options)


def sweep(recipe: str, params: dict[str, str], *, profile: str = "quick", trials: int = 20, workers: int = 1,
          scheduler: str = "random", metric: str | None = None, name: str | None = None, out: str | Path | None = None,
          storage: str | None = None, resume: bool = False, **fixed: Any):  # fmt: skip
    """`dive sweep RECIPE --param NAME=SPEC ...` from Python: `params` maps a config field to its search space
    ("loguniform:1e-3:1", "int:32:256", "choice:gru,lstm"), `fixed` sets other fields for every trial. Returns the
    study's table (a pandas DataFrame: one row per trial, its state, value, params, folder and reason)."""
    import pandas as pd

    from dive.cli.main import main

    args = ["sweep", recipe, "--profile", profile, "--trials", str(trials), "--workers", str(workers),
            "--scheduler", scheduler, *[a for k, v in params.items() for a in ("--param", f"{k}={v}")],
            *(["--metric", metric] if metric else []), *(["--name", name] if name else []),
            *(["--out", str(out)] if out else []), *(["--storage", storage] if storage else []),
            *(["--resume"] if resume else []), *_overrides_as_flags(fixed)]  # fmt: skip
    folder = Path(out) if out else Path("runs") / "sweeps" / (name or recipe)
    code = main(args)
    if code != 0 and not (folder / "trials.csv").is_file():
        raise DiveError(f"dive sweep {recipe} failed (exit {code}); its message is above")
    return pd.read_csv(folder / "trials.csv")


def _overrides_as_flags(kwargs: dict[str, Any]) -> list[str]:
    return [f"--{k}" for k in _overrides(kwargs)]
