"""`dive classify RUN "a review"` (book §16.2-16.3) and `dive classify RUN --premise P --hypothesis H` (§16.5):
a trained model's label and its probability."""

from __future__ import annotations

import argparse

from dive.core import DiveError


def add_classify_parser(sub) -> None:
    p = sub.add_parser("classify", help="label a review (sentiment run) or a premise/hypothesis pair (NLI run)")
    p.add_argument("run", help="a sentiment-*, nli-attention or nli-bert run folder (or its checkpoint)")
    p.add_argument("text", nargs="?", help='the review, e.g. "this movie is so great"')
    p.add_argument("--premise", help='NLI: the premise, e.g. "he is good ."')
    p.add_argument("--hypothesis", help='NLI: the hypothesis, e.g. "he is bad ."')
    p.set_defaults(func=cmd_classify)


def cmd_classify(args: argparse.Namespace) -> int:
    """A sentiment run labels a review; an NLI run (decomposable attention or BERT) a premise/hypothesis pair. The
    checkpoint names its recipe, whose predictor decides."""
    from dive.cli.predict import predict_as

    if args.premise is not None or args.hypothesis is not None:
        if args.premise is None or args.hypothesis is None or args.text is not None:
            raise DiveError("an NLI run takes --premise and --hypothesis (and no review text)")
        return predict_as("classify --premise/--hypothesis", args.run, ("text-pair",), [args.premise, args.hypothesis])
    if args.text is None:
        raise DiveError('give the review to classify, e.g. dive classify runs/sentiment-birnn "so great"')
    return predict_as("classify", args.run, ("text-class",), [args.text])
