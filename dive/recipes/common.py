"""The wiring every recipe shares: one `fit` with the standard callbacks, resume, history and curves.

`run_fit` is the only place that builds a `Trainer`. A recipe with several fits (K-fold, the polynomial degrees)
gives each a `sub` folder; a resumed run restores finished fits from their checkpoints instead of retraining.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

import dive
from dive.core import ConfigError, config_diff, config_from_dict, config_to_dict
from dive.plot import plot_history
from dive.recipes.base import RunContext, metric_directions
from dive.train import (
    Checkpoint,
    FitState,
    History,
    Metric,
    NanGuard,
    Progress,
    Step,
    Trainer,
    load_checkpoint,
    read_checkpoint_header,
    shard_loader,
)
from dive.train.callbacks import parse_early_stop
from dive.train.loggers import CSVLogger, TensorBoardLogger

CHECKPOINT = "checkpoint.safetensors"


def run_dir(ctx: RunContext, sub: str | None = None) -> Path:
    return ctx.out_dir / sub if sub else ctx.out_dir


def check_resumable(cfg: Any, stored: dict[str, Any], path: Path, recipe: str | None = None) -> None:
    """A resume must continue the same recipe with the config the checkpoint was made with; only `max_epochs` may
    grow. Checked before any weight is loaded, so a mismatch is one sentence, not torch's state_dict report."""
    theirs = stored.get("recipe")
    if recipe and theirs and theirs != recipe:
        gist = _config_gist(stored.get("config"), cfg)
        raise ConfigError(
            f"cannot resume {path}: this checkpoint is from recipe {theirs} ({gist}), "
            f"not {recipe}. Use another --out, or drop --resume to start afresh there."
        )
    if "config" not in stored:
        return
    old = config_from_dict(type(cfg), stored["config"])
    diff = {k: v for k, v in config_diff(old, cfg).items() if k not in ("max_epochs", "ckpt_every", "log_every")}
    if diff:
        shown = ", ".join(f"{k}: checkpoint {a!r}, now {b!r}" for k, (a, b) in diff.items())
        raise ConfigError(f"cannot resume {path}: the config differs ({shown}). Drop --resume or use the same values.")


def _config_gist(config: dict[str, Any] | None, cfg: Any, most: int = 5) -> str:
    """'num_hiddens=[256], ...': the stored config's fields that the current `cfg` lacks or sets otherwise."""
    now = config_to_dict(cfg)
    fields = [(k, v) for k, v in (config or {}).items() if k not in now or now[k] != v]
    shown = ", ".join(f"{k}={v}" for k, v in fields[:most])
    return shown + (", ..." if len(fields) > most else "") if shown else "no config recorded"


def run_fit(
    ctx: RunContext,
    cfg: Any,
    *,
    model: nn.Module,
    loss_fn: Callable[[Tensor, Tensor], Tensor] | None = None,
    optimizer: torch.optim.Optimizer,
    step: Step | None = None,
    train_loader: Any,
    valid_loader: Any = None,
    max_epochs: int,
    metrics: Sequence[Metric] = (),
    scheduler: Any = None,
    clip_grad_norm: float | None = None,
    valid_name: str = "test",
    sub: str | None = None,
    checkpoint_every_epochs: int = 1,
    title: str = "",
    quiet: bool = False,
    callbacks: Sequence[Any] = (),
    split: int = 1,
) -> tuple[FitState, Trainer, History]:
    """Fit with NanGuard, Progress, History and Checkpoint; resume from `run_dir/checkpoint` when `ctx.resume`.

    In a data-parallel run (`ctx.dist`), the loaders are sharded, and only rank 0 shows progress and writes
    history, checkpoints and curves; every rank reads the checkpoint to resume, whatever number of processes
    wrote it (positions count global batches). Epoch records are global; per-step records hold rank 0's loss
    on its part of the batch (summing every step would cost a collective per step)."""
    out = run_dir(ctx, sub)
    ckpt = out / CHECKPOINT
    history = History(out / "history.jsonl", log_every=cfg.log_every)
    extra = {"recipe": ctx.recipe, "profile": ctx.profile, "config": config_to_dict(cfg), "sub": sub,
             "meta": ctx.meta, "dive": dive.__version__}  # fmt: skip
    # on an accelerator every check is a host sync: check every 25 steps there (epoch ends always)
    guard = NanGuard(every=1 if ctx.device.type == "cpu" else 25, checkpoint_path=ckpt)
    # the recipe's own (a loss tracker, a sample scorer) and, on the main fit, the caller's (a sweep's reporter)
    own, caller = list(callbacks), (list(ctx.callbacks) if sub is None else [])
    if ctx.dist.active:
        if cfg.ckpt_every:  # mid-epoch running sums live on every rank; only epoch ends are global
            raise ConfigError("a multi-process run checkpoints at epoch ends; drop --ckpt_every")
        train_loader = shard_loader(train_loader, ctx.dist)
        valid_loader = shard_loader(valid_loader, ctx.dist) if valid_loader is not None else None
    # the recipe's own first (what they add to an epoch's metrics is shown, recorded and reported), the caller's after
    callbacks = [guard, *own, history, *caller]
    if not quiet:
        callbacks.insert(1 + len(own), Progress(bar=ctx.progress))
    spec, known = ctx.options.early_stop, metric_directions(ctx.recipe)
    stopper = parse_early_stop(spec, known=known) if spec else None
    if stopper is not None:  # after the loggers: the stopping epoch is recorded too
        callbacks.append(stopper)
    callbacks += _loggers(ctx, cfg, out)
    callbacks.append(Checkpoint(ckpt, cfg.ckpt_every, extra, every_epochs=checkpoint_every_epochs))
    if not ctx.dist.is_main:
        callbacks = [guard, *own, *caller, *([stopper] if stopper else [])]
    trainer = Trainer(
        model,
        loss_fn,
        optimizer,
        step=step,
        max_epochs=max_epochs,
        metrics=metrics,
        scheduler=scheduler,
        clip_grad_norm=clip_grad_norm,
        device=ctx.device,
        callbacks=callbacks,
        valid_name=valid_name,
        precision=ctx.precision,
        compile=ctx.compile,
        distributed=ctx.dist.active,
        split=split,
        accumulate=ctx.options.accumulate,
    )
    state = None
    if ctx.resume and ckpt.exists():
        check_resumable(cfg, read_checkpoint_header(ckpt)[1].get("extra", {}), ckpt, ctx.recipe)
        model.to(ctx.device)
        state, _ = load_checkpoint(ckpt, model, optimizer, scheduler)
    state = trainer.fit(train_loader, valid_loader, state)
    if stopper is not None:
        ctx.report.setdefault("early_stop", {})[sub or "model"] = stopper.report()
    ctx.models[sub or "model"] = model  # for the Python API: `dive.run(...).model`
    if ctx.dist.is_main:
        plot_history(history.records, out / "curves.png", title=title or f"{ctx.recipe} {sub or ''}".strip())
    return state, trainer, history


def _loggers(ctx: RunContext, cfg: Any, out: Path) -> list[Any]:
    """The loggers `--log` asks for, writing under the fit's folder (`csv`: metrics.csv; `tensorboard`: tb/)."""
    made: list[Any] = []
    if "csv" in ctx.options.log:
        made.append(CSVLogger(out / "metrics.csv"))
    if "tensorboard" in ctx.options.log:
        made.append(TensorBoardLogger(out / "tb", config_to_dict(cfg), cfg.log_every))
    return made


def write_records(path: Path, records: Sequence[dict[str, Any]]) -> None:
    """history.jsonl for a recipe that trains no model (the 2-D traces, the landscapes): one JSON object a line."""
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
