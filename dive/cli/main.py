"""The `dive` command: `list`, `run`, `data`, `summary`, `bench`, `generate`, `translate`,
`corpus`, `augment`, `anchors`, `detect`, `segment`, `similar`, `analogy`, `encode`, `classify`, `predict`.

Each subcommand registers its own arguments and its function (`set_defaults(func=...)`); `main` calls it.

Every user-facing error (`DiveError`) is printed as one line, `dive: error: ...`, with exit status 2; an
unexpected exception too, unless DIVE_DEBUG=1 asks for the traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

import dive
from dive.cli.bench import add_bench_parser
from dive.cli.classify import add_classify_parser
from dive.cli.lr_find import add_lr_find_parser
from dive.cli.predict import add_predict_parser
from dive.cli.sweep import add_sweep_parser
from dive.cli.text import add_text_parsers
from dive.cli.tools import add_parsers
from dive.cli.vision import add_vision_parsers
from dive.cli.words import add_word_parsers
from dive.core import DiveError
from dive.core.device import DEVICE_CHOICES


def _cmd_list(args: argparse.Namespace) -> int:
    from dive.recipes import RECIPES

    rows = [("name", "section", "dataset", "metric", "book band", "quick band", "quick min")]
    for name, r in RECIPES.items():
        book, quick = r.profiles["book"], r.profiles["quick"]
        rows.append(
            (
                name,
                r.section,
                r.dataset,
                r.metric + ("" if r.higher_is_better else " (lower)"),
                _band(book),
                _band(quick),
                f"{quick.minutes:g}" if quick.minutes is not None else "?",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for k, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if k == 0:
            print("  ".join("-" * w for w in widths))
    return 0


def _band(profile) -> str:
    """'lo-hi', naming the metric when the profile's band is on another one than the recipe's."""
    if not profile.band:
        return "-"
    return f"{profile.band[0]:g}-{profile.band[1]:g}" + (f" ({profile.metric})" if profile.metric else "")


def _cmd_run(args: argparse.Namespace, extra: list[str], argv: list[str]) -> int:
    from dive.cli.launch import launch
    from dive.cli.run import prepare, report_lines, run_recipe, split_extra
    from dive.train import env_dist_info

    if args.nproc != 1 and "WORLD_SIZE" not in os.environ:
        prepare(args.name, args.profile, split_extra(extra), args.nproc)  # fail here, once, not in every process
        return launch(args.nproc, argv, args.device)
    progress = False if args.quiet else None
    record = run_recipe(
        args.name,
        args.profile,
        split_extra(extra),
        args.out,
        args.resume,
        args.device,
        args.data,
        progress,
        args.precision,
        args.compile,
        options=_train_options(args),
    )
    if not env_dist_info().is_main:
        return 0
    print("\n".join(report_lines(record, Path(args.out or f"runs/{args.name}"))))
    return 0


def _train_options(args: argparse.Namespace):
    """`--accumulate`, `--log`, `--early_stop`, checked here so a bad value is one line before anything runs."""
    from dive.recipes import TrainOptions

    return TrainOptions.parse(args.accumulate, args.log, args.early_stop, args.name)


def _cmd_data(args: argparse.Namespace) -> int:
    from dive.cli.run import check_data_root
    from dive.data import DATASETS, download_dataset, locate, search_dirs

    check_data_root(args.data)
    if args.download:
        spec = DATASETS[args.download]
        print(f"downloading {spec.name} ...")
        print(f"{spec.name}: {download_dataset(spec)}")
        return 0
    status = 0
    for name, spec in DATASETS.items():
        try:
            where = locate(spec, args.data, verify=not args.no_verify)
            state = "ok (sha256 verified)" if not args.no_verify else "found"
            print(f"{name:20} {state:22} {where}")
        except DiveError as e:
            first = str(e).splitlines()[0]
            missing = "not found" in first
            label = ("missing (optional)" if spec.optional else "MISSING") if missing else "BAD"
            print(f"{name:20} {label:22} {first}")
            if args.verbose:
                print("\n".join(f"{'':43}{label}: {d}" for label, d in search_dirs(spec, args.data)))
            status = status if (missing and spec.optional) else 1
    return status


def printable(text: str) -> str:
    """A message for the terminal: control characters (an escape sequence inside a user's input) shown escaped."""
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii") for c in text)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dive", description="Train the models of Dive into Deep Learning.")
    p.add_argument("--version", action="version", version=f"dive {dive.__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="list the recipes with their book section, dataset and target band")
    listing.set_defaults(func=_cmd_list)
    run = sub.add_parser(
        "run",
        help="train a recipe (config overrides as --key=value)",
        epilog="Any other --key=value sets a field of the recipe's config, e.g. --lr=0.05 --max_epochs=3.",
    )
    run.add_argument("name", help="recipe name (see `dive list`)")
    run.add_argument("--profile", default="book", help="book (default), quick, or tiny")
    run.add_argument("--out", help="run directory (default: runs/NAME)")
    run.add_argument("--resume", action="store_true", help="continue from the checkpoint in the run directory")
    run.add_argument("--device", default="auto", help=f"one of {', '.join(DEVICE_CHOICES)} or cuda:N")
    run.add_argument("--data", help="data root, the only place then searched (default: $DIVE_DATA, cache, system)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"], help="autocast dtype")
    run.add_argument("--compile", action="store_true", help="train through torch.compile (slow first steps)")
    run.add_argument("--accumulate", type=int, default=1, metavar="N",
                     help="sum the gradients of N batches before each optimizer step")  # fmt: skip
    run.add_argument("--log", default="", metavar="LOGGERS",
                     help="also log to: tensorboard, csv (comma-separated), beside history.jsonl")  # fmt: skip
    run.add_argument("--early_stop", default=None, metavar="METRIC:PATIENCE[:MIN_DELTA]",
                     help="stop when METRIC has not improved for PATIENCE epochs; keep the best weights")  # fmt: skip
    run.add_argument("--nproc", type=int, default=1, help="data-parallel processes, started with torchrun")
    data = sub.add_parser("data", help="list datasets, where each was found, and verify their sha256")
    data.add_argument("--data", help="an explicit data root, the only place then searched")
    data.add_argument("--no-verify", action="store_true", help="skip the hash check")
    data.add_argument("--download", metavar="NAME", help="download a dataset into ~/.cache/dive (needs internet)")
    data.add_argument("-v", "--verbose", action="store_true", help="show every place searched")
    data.set_defaults(func=_cmd_data)
    add_parsers(sub)
    add_bench_parser(sub)
    add_text_parsers(sub)
    add_vision_parsers(sub)
    add_word_parsers(sub)
    add_classify_parser(sub)
    add_predict_parser(sub)
    add_sweep_parser(sub)
    add_lr_find_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args, extra = parser.parse_known_args(argv)
    try:
        if args.command == "run":  # its other --key=value arguments are config overrides
            return _cmd_run(args, extra, argv)
        if args.command in ("predict", "sweep", "lr-find"):  # other --key=value: options, config fields
            return args.func(args, extra)
        if extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        return args.func(args)
    except DiveError as e:
        print(f"dive: error: {printable(str(e))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        resume = "; continue with --resume (the last checkpoint is kept)" if args.command == "run" else ""
        print(f"dive: interrupted{resume}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `dive list | head`: the reader has gone; stop quietly, as other commands do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # what is still buffered goes nowhere
        return 141  # 128 + SIGPIPE
    except Exception as e:  # noqa: BLE001 - the CLI's last line of defence
        if os.environ.get("DIVE_DEBUG"):
            traceback.print_exc()
        else:
            print(
                f"dive: error: {type(e).__name__}: {printable(str(e))} (set DIVE_DEBUG=1 for the traceback)",
                file=sys.stderr,
            )
        return 1


def entry() -> None:
    """The `dive` command (and `python -m dive`): `main()`, then a quick exit.

    Once a command has finished (its files closed and renamed into place, its output printed), tearing down an
    interpreter that has loaded torch takes 0.3-0.5 s on 2 cores (measured: `dive run lenet` exits 0.45-0.55 s
    after its last line, `python -c "import torch"` 0.3 s), a few percent of a short run. So the command flushes
    its output and ends the process with `os._exit`. Under a profiler or a tracer (cProfile, coverage), or with
    `DIVE_FULL_EXIT=1`, it exits normally, so their atexit reports are written."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    if os.environ.get("DIVE_FULL_EXIT") == "1" or sys.getprofile() is not None or sys.gettrace() is not None:
        raise SystemExit(code)
    os._exit(code)


if __name__ == "__main__":
    entry()
