"""`dive run NAME`: train a recipe, print the book-style summary line, write summary.json next to the run."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import torch

import dive
from dive.core import (
    ConfigError,
    DiveError,
    FolderLock,
    apply_overrides,
    choose_device,
    config_to_dict,
    default_run_dir,
    seed_everything,
)
from dive.core.precision import announce, precision_plan
from dive.recipes import RECIPES, Recipe, RunContext, TrainOptions, check_resumable
from dive.train import env_dist_info, init_distributed, read_checkpoint_header, shutdown_distributed
from dive.train.loggers import log_images


def split_extra(extra: list[str]) -> list[str]:
    """['--lr=0.1', '--max-epochs', '3'] -> ['lr=0.1', 'max-epochs=3']; anything else is an error."""
    out, i = [], 0
    while i < len(extra):
        tok = extra[i]
        if not tok.startswith("--") or tok == "--":
            raise ConfigError(f"unexpected argument {tok!r}; config overrides look like --key=value")
        if "=" in tok:
            out.append(tok[2:])
            i += 1
        elif i + 1 < len(extra) and not extra[i + 1].startswith("--"):
            out.append(f"{tok[2:]}={extra[i + 1]}")
            i += 2
        else:
            raise ConfigError(f"override {tok!r} has no value; write {tok}=VALUE")
    return out


def in_band(higher_is_better: bool, value: float | None, band: tuple[float, float] | None) -> bool | None:
    """Whether a result meets its band: inside it, or past its good end; None without a value or a band."""
    if value is None or band is None:
        return None
    return band_verdict(value, band, higher_is_better) != "OUTSIDE"


def band_verdict(value: float, band: tuple[float, float], higher_is_better: bool) -> str:
    """How a result compares with its profile's band: "within", "better than" (past its good end) or "OUTSIDE"."""
    lo, hi = band
    if lo <= value <= hi:
        return "within"
    return "better than" if (value > hi) == higher_is_better else "OUTSIDE"


def report_lines(record: dict[str, Any], out_dir: Path) -> list[str]:
    """What `dive run` prints after a run: the summary, the verdict against the band, the files written."""
    lines = [record["summary"]]
    if record["in_band"] is not None:
        lo, hi = record["band"]
        verdict = band_verdict(record["value"], (lo, hi), record["higher_is_better"])
        lines.append(f"{record['metric']} {record['value']:.4g} {verdict} the {record['profile']} band {lo:g}-{hi:g}")
    names = sorted(p.name for p in out_dir.iterdir() if not p.name.startswith("."))
    lines.append(f"wrote {out_dir}/ ({', '.join(names)})")
    return lines


def prepare(name: str, profile: str, overrides: list[str] | None, nproc: int = 1) -> tuple[Recipe, Any]:
    """(recipe, its config with the overrides applied); a clear error for a bad name, profile or override, or for
    a single-process recipe asked to run in several processes. `dive run --nproc` checks this before launching."""
    recipe = RECIPES[name]
    cfg = apply_overrides(recipe.config(profile), overrides or [])
    if getattr(cfg, "max_epochs", 1) < 1:
        raise ConfigError(f"--max_epochs={cfg.max_epochs} trains nothing; give 1 or more")
    if nproc > 1 and not recipe.distributed:
        multi = ", ".join(n for n, r in RECIPES.items() if r.distributed)
        raise ConfigError(f"recipe {name!r} trains in one process only; multi-process recipes: {multi}")
    return recipe, cfg


def check_data_root(data_root: str | os.PathLike | None) -> None:
    """An explicit data root must exist: `--data /typo` is an error, not a silent fall-back to $DIVE_DATA."""
    if data_root is not None and not Path(data_root).expanduser().is_dir():
        raise DiveError(f"--data {data_root}: no such folder (drop --data to use $DIVE_DATA or the cache)")


def check_something_to_resume(recipe: Recipe, out_dir: Path) -> None:
    """`--resume` needs a checkpoint to continue from (as Lightning refuses a missing ckpt_path); say so up front."""
    if not recipe.checkpoints:
        raise DiveError(f"recipe {recipe.name!r} trains no model and writes no checkpoint; drop --resume")
    if not out_dir.is_dir() or next(out_dir.rglob("checkpoint.safetensors"), None) is None:
        raise DiveError(f"--resume: no checkpoint in {out_dir}, nothing to continue; drop --resume to start afresh")


def check_resume_first(cfg: Any, out_dir: Path, name: str) -> None:
    """A resume that will be refused is refused before anything is written into the folder (a recipe's side
    files included): the main checkpoint's recipe and config are read from its header and compared here."""
    ckpt = out_dir / "checkpoint.safetensors"
    if ckpt.is_file():
        check_resumable(cfg, read_checkpoint_header(ckpt)[1].get("extra", {}), ckpt, name)


def clean_stale_temporaries(out_dir: Path) -> None:
    """Temporary files of writers that died (a checkpoint being written at kill -9): the folder's lock says no
    other run writes here now, so any of them is a leftover."""
    for tmp in out_dir.rglob(".*.tmp"):
        tmp.unlink(missing_ok=True)


def run_recipe(name: str, profile: str = "book", overrides: list[str] | None = None, *args, **kwargs) -> dict[str, Any]:
    """Run recipe `name`; returns (and writes as DIR/summary.json) the run's summary record. The other arguments
    are `run_with_context`'s: out, resume, device, data_root, progress, precision, compile."""
    return run_with_context(name, profile, overrides, *args, **kwargs)[0]


def run_with_context(
    name: str,
    profile: str = "book",
    overrides: list[str] | None = None,
    out: str | os.PathLike | None = None,
    resume: bool = False,
    device: str = "auto",
    data_root: str | None = None,
    progress: bool | None = None,
    precision: str = "fp32",
    compile: bool = False,
    callbacks: list[Any] | None = None,
    options: TrainOptions | None = None,
) -> tuple[dict[str, Any], RunContext]:
    """`run_recipe`, also returning the run's context (its trained models in `ctx.models`); `callbacks` join the
    recipe's main fit (`dive sweep` reports each epoch's metric to its study through one)."""
    info = env_dist_info()
    recipe, cfg = prepare(name, profile, overrides, info.world_size)
    check_data_root(data_root)
    out_dir = Path(out) if out else default_run_dir(name)
    if resume:
        check_something_to_resume(recipe, out_dir)
        check_resume_first(cfg, out_dir, name)
    if not resume and (out_dir / "checkpoint.safetensors").exists() and info.is_main:
        print(f"note: starting afresh in {out_dir} (pass --resume to continue the run there)", file=sys.stderr)
    made = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = FolderLock(out_dir) if info.is_main else None  # rank 0 holds the folder for all the run's processes
    try:
        if lock is not None:
            lock.acquire()
            clean_stale_temporaries(out_dir)
        return _run_locked(recipe, cfg, name, profile, out_dir, resume, device, data_root, progress, precision,
                           compile, callbacks or [], options or TrainOptions())  # fmt: skip
    except BaseException:
        if made and lock is not None and not any(p.name != lock.path.name for p in out_dir.iterdir()):
            lock.release()
            out_dir.rmdir()  # a failure before anything was written leaves no empty --out folder behind
        raise
    finally:
        if lock is not None:
            lock.release()


def _run_locked(recipe: Recipe, cfg: Any, name: str, profile: str, out_dir: Path, resume: bool, device: str,
                data_root: str | None, progress: bool | None, precision: str, compile: bool, callbacks: list[Any],
                options: TrainOptions) -> tuple[dict[str, Any], RunContext]:  # fmt: skip
    info, dev = init_distributed(choose_device(device))
    plan = precision_plan(precision, dev)  # what this machine runs for the request (fp32 where bf16 cannot run)
    if info.is_main:
        announce(plan)
    try:
        ctx = RunContext(out_dir, dev, name, profile, resume, data_root, progress, plan.effective, compile, info,
                         callbacks=callbacks, options=options)  # fmt: skip
        seed_everything(cfg.seed)
        t0 = time.perf_counter()
        result = recipe.run(cfg, ctx)
        wall = time.perf_counter() - t0
    except BaseException:
        shutdown_distributed(barrier=False)  # exit now: torchrun then stops the other processes
        raise
    shutdown_distributed()
    band = recipe.profiles[profile].band
    metric = recipe.profiles[profile].metric or recipe.metric
    value = result.metrics.get(metric)
    higher = recipe.profiles[profile].higher_is_better
    higher = recipe.higher_is_better if higher is None else higher  # a profile's own metric may run the other way
    record = {
        "recipe": name,
        "profile": profile,
        "section": recipe.section,
        "config": config_to_dict(cfg),
        "metrics": result.metrics,
        "metric": metric,
        "value": value,
        "band": list(band) if band else None,
        "in_band": in_band(higher, value, band),
        "higher_is_better": higher,
        "summary": result.summary,
        "examples_per_sec": result.examples_per_sec,
        "device": str(ctx.device),
        "precision": plan.effective,
        "precision_requested": precision,
        "fp32_layers": list(plan.fp32_layers),
        "precision_note": plan.note,
        "compile": compile,
        "accumulate": options.accumulate,
        "early_stop": ctx.report.get("early_stop"),
        "wall_seconds": wall,
        "processes": info.world_size,
        "versions": {"dive": dive.__version__, "torch": torch.__version__, "python": platform.python_version()},
    }
    if info.is_main and "tensorboard" in options.log:
        log_images(out_dir / "tb", out_dir)  # the run's figures, beside its scalars
    if info.is_main:
        tmp = out_dir / ".summary.json.tmp"
        tmp.write_text(json.dumps(record, indent=2) + "\n")
        tmp.replace(out_dir / "summary.json")
    return record, ctx
