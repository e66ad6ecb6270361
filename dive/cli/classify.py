"""`dive classify RUN "a review"` (book §16.2-16.3): a trained sentiment model's label and probability."""

from __future__ import annotations

import argparse

from dive.core import DiveError


def add_classify_parser(sub) -> None:
    p = sub.add_parser("classify", help="classify a review with a sentiment run: the label and its probability")
    p.add_argument("run", help="a sentiment-birnn or sentiment-textcnn run folder (or its checkpoint)")
    p.add_argument("text", nargs="?", help='the review, e.g. "this movie is so great"')


def cmd_classify(args: argparse.Namespace) -> int:
    from dive.recipes.sentiment import classify_review, load_sentiment

    if args.text is None:
        raise DiveError('give the review to classify, e.g. dive classify runs/sentiment-birnn "so great"')
    model, vocab, cfg = load_sentiment(args.run)
    label, prob, facts = classify_review(model, vocab, cfg, args.text)
    print(f"{label} ({prob:.3f})")
    if facts["read"] < facts["tokens"]:
        print(f"note: read the first {facts['read']:,} of {facts['tokens']:,} tokens (the model's num_steps)")
    if facts["known"] == 0:
        print("note: no word of the review is in the vocabulary: the label reflects only the model's bias")
    return 0
