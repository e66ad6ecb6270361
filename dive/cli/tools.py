"""`dive summary MODEL`: a registered model's layers, output shapes and parameter counts (`dive bench` is
`cli/bench.py`)."""

from __future__ import annotations

import argparse

from dive.core import DiveError


def cmd_summary(args: argparse.Namespace) -> int:
    from dive.models import MODELS
    from dive.nn import format_model_summary, model_summary, parse_shape

    entry = MODELS[args.model]
    try:
        shape = parse_shape(args.input) if args.input else (1, *entry.input_shape)
    except ValueError as e:
        raise DiveError(str(e)) from None
    model = entry.build()
    try:
        rows, _ = model_summary(model, shape)
    except RuntimeError as e:
        first = str(e).splitlines()[0]
        raise DiveError(
            f"{args.model} cannot take input {'x'.join(map(str, shape))} (it is registered for "
            f"{'x'.join(map(str, (1, *entry.input_shape)))}): {first}"
        ) from None
    print(f"{args.model}: {type(model).__name__}")
    print(format_model_summary(model, rows, shape))
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    summary = sub.add_parser("summary", help="print each layer's output shape and parameter count")
    summary.add_argument("model", help="a registered model name, e.g. lenet, resnet18, alexnet-small")
    summary.add_argument("--input", help="input shape such as 1x1x28x28 (default: the model's registered shape)")
    summary.set_defaults(func=cmd_summary)
