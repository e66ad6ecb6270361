"""`dive predict RUN INPUT... [--OPTION=VALUE]`: a trained run's own kind of inference, through the registry.

The run's checkpoint names its recipe; the recipe's declared predictor says what an input is (an image file, a
sentence, a prefix, ...) and which options it takes (`--top=3`, `--beam=4`). `dive classify`, `dive translate`,
`dive generate`, `dive detect`, `dive segment`, `dive similar` and `dive encode` are friendly names over the same
path, with the arguments the book's examples use.
"""

from __future__ import annotations

import argparse
from typing import Any

from dive.core import ConfigError, DiveError


def add_predict_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "predict",
        help="run a trained model on inputs (images, sentences, ...): what inference means for its recipe",
        epilog="Options of the run's predictor go as --key=value, e.g. --top=3 (image classifiers), --beam=4 "
        "(translation), --length=100 (language models). `dive predict RUN --help-inputs` says what RUN takes.",
    )
    p.add_argument("run", help="a run folder (e.g. runs/lenet) or its checkpoint.safetensors")
    p.add_argument("inputs", nargs="*", help="what the run's predictor takes (see --help-inputs)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--help-inputs", action="store_true", help="say what this run's predictor takes, and its options")
    p.set_defaults(func=cmd_predict)
    e = sub.add_parser("export", help="write a trained model as safetensors, ONNX, torch.export (pt2) or TorchScript")
    e.add_argument("run", help="a run folder (e.g. runs/lenet) or its checkpoint.safetensors")
    e.add_argument("--format", default="onnx", help="safetensors, onnx (default), pt2 or torchscript")
    e.add_argument("--out", help="the file to write (default: model.FORMAT-SUFFIX in the run folder)")
    e.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from dive.recipes import export, load_trained

    trained = load_trained(args.run)
    path, diff = export(trained, args.format, args.out)
    checked = "" if args.format == "safetensors" else f"; its outputs match the eager model's to {diff:.1e}"
    print(f"wrote {path} ({args.format}, a {trained.recipe} model{checked})")
    return 0


def parse_options(extra: list[str], defaults: dict[str, Any]) -> dict[str, Any]:
    """['--top=3'] -> {'top': 3}, each value converted to the type of the option's default."""
    options: dict[str, Any] = {}
    for token in extra:
        if not token.startswith("--") or "=" not in token:
            raise ConfigError(f"unexpected argument {token!r}; a predictor's options look like --key=value")
        key, value = token[2:].split("=", 1)
        key = key.replace("-", "_")
        default = defaults.get(key)
        try:
            if isinstance(default, bool):
                if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(value)
                options[key] = value.lower() in ("true", "1", "yes")
            elif isinstance(default, (int, float)):
                options[key] = type(default)(value)
            else:
                options[key] = None if value.lower() == "none" and default is None else value
        except ValueError:
            raise ConfigError(f"--{key}={value}: expected a {type(default).__name__}") from None
    return options


def cmd_predict(args: argparse.Namespace, extra: list[str] | None = None) -> int:
    from dive.recipes import RECIPES, load_trained, predict

    trained = load_trained(args.run, device=args.device)
    predictor = RECIPES[trained.recipe].model.predictor
    if predictor is None:
        raise DiveError(f"recipe {trained.recipe!r} declares no predictor")
    if args.help_inputs:
        options = ", ".join(f"--{k}={v}" for k, v in predictor.options.items()) or "none"
        print(f"{args.run}: a {trained.recipe} run ({predictor.kind}); inputs: {predictor.inputs}; options: {options}")
        return 0
    if not args.inputs:
        raise DiveError(f"give the inputs to predict on: {predictor.inputs}")
    result = predict(trained, args.inputs, **parse_options(extra or [], dict(predictor.options)))
    print("\n".join(result.lines))
    return 0


KIND_NAMES = {"generate": "language-model", "translate": "translation", "text-class": "sentiment",
              "text-pair": "NLI", "encode": "BERT", "detect": "detection", "segment": "segmentation",
              "similar": "word-vector", "image-class": "image-classifier"}  # fmt: skip


def predict_as(command: str, run: str, kinds: tuple[str, ...], inputs: list, device: str = "cpu", **options) -> int:
    """A friendly command (`dive translate`, ...) over `predict`: the run's predictor must be of one of `kinds`."""
    from dive.recipes import RECIPES, load_trained, predict

    trained = load_trained(run, device=device)
    predictor = RECIPES[trained.recipe].model.predictor
    if predictor is None or predictor.kind not in kinds:
        wanted = " or ".join(KIND_NAMES.get(k, k) for k in kinds)
        raise DiveError(f"{run} is not a {wanted} run: it is a {trained.recipe} run (`dive predict {run} ...` "
                        "runs any trained model)")  # fmt: skip
    print("\n".join(predict(trained, inputs, **options).lines))
    return 0
