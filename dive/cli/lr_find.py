"""`dive lr-find RECIPE [--profile P]`: the learning-rate range test (`dive.train.lr_find`) on a recipe's own
model, data, loss and optimizer, in a temporary folder: the recipe's runs are left untouched. Writes
lr_find.png and lr_find.json under --out (default runs/RECIPE-lr-find) and prints the suggested rate beside the
rate the recipe is configured with."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from dive.core import DiveError


def cmd_lr_find(args: argparse.Namespace, extra: list[str]) -> int:
    from dive.cli.run import prepare, run_with_context, split_extra
    from dive.plot import plot_lr_find
    from dive.train.lr_find import LRFinder, LRFound

    overrides = split_extra(extra)
    _, cfg = prepare(args.name, args.profile, overrides, 1)
    finder = LRFinder(start_lr=args.start, end_lr=args.end, num_steps=args.steps)
    with tempfile.TemporaryDirectory(prefix="dive-lr-find-") as tmp:
        try:
            run_with_context(args.name, args.profile, overrides, Path(tmp) / "run", False, args.device, args.data,
                             False, callbacks=[finder])  # fmt: skip
        except LRFound as found:
            result = found.result
        else:
            raise DiveError(f"{args.name} has no training fit for the range test to run in")
    out = Path(args.out or f"runs/{args.name}-lr-find")
    out.mkdir(parents=True, exist_ok=True)
    configured = getattr(cfg, "lr", None)
    title = f"{args.name} ({args.profile}): learning-rate range test"
    plot_lr_find(result.lrs, result.losses, result.smoothed, out / "lr_find.png", result.suggestion, configured, title)
    record = {"recipe": args.name, "profile": args.profile, "configured_lr": configured, **result.__dict__}
    (out / "lr_find.json").write_text(json.dumps(record, indent=1) + "\n")
    if result.suggestion is None:
        raise DiveError(f"the loss never fell over {len(result.lrs)} steps: try a wider --start/--end")
    said = f"configured lr {configured:g}" if isinstance(configured, (int, float)) else "no lr in the config"
    print(f"{args.name} ({args.profile}): suggested lr {result.suggestion:.3g} (steepest descent of the smoothed "
          f"loss), {result.min_lr / 10:.3g} by the min/10 rule; {said}; {len(result.lrs)} steps"
          f"{', stopped where the loss diverged' if result.stopped_early else ''}")  # fmt: skip
    print(f"wrote {out}/ (lr_find.png, lr_find.json)")
    return 0


def add_lr_find_parser(sub: argparse._SubParsersAction) -> None:
    epilog = "Any other --key=value sets a field of the recipe's config, as in `dive run`."
    what = "learning-rate range test on a recipe: a picture and a suggested lr"
    p = sub.add_parser("lr-find", help=what, epilog=epilog)
    p.add_argument("name", help="recipe name (see `dive list`)")
    p.add_argument("--profile", default="quick", help="book, quick (default) or tiny")
    p.add_argument("--steps", type=int, default=200, help="steps of exponentially growing lr (default 200)")
    p.add_argument("--start", type=float, default=1e-6, help="first lr (default 1e-6)")
    p.add_argument("--end", type=float, default=10.0, help="last lr (default 10)")
    p.add_argument("--out", help="where the picture goes (default runs/NAME-lr-find)")
    p.add_argument("--device", default="auto")
    p.add_argument("--data", help="data root (default: $DIVE_DATA, cache, system)")
    p.set_defaults(func=cmd_lr_find)
