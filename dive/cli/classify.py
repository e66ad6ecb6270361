"""`dive classify RUN "a review"` (book §16.2-16.3) and `dive classify RUN --premise P --hypothesis H` (§16.5):
a trained model's label and its probability."""

from __future__ import annotations

import argparse
from pathlib import Path

from dive.core import DiveError


def add_classify_parser(sub) -> None:
    p = sub.add_parser("classify", help="label a review (sentiment run) or a premise/hypothesis pair (NLI run)")
    p.add_argument("run", help="a sentiment-*, nli-attention or nli-bert run folder (or its checkpoint)")
    p.add_argument("text", nargs="?", help='the review, e.g. "this movie is so great"')
    p.add_argument("--premise", help='NLI: the premise, e.g. "he is good ."')
    p.add_argument("--hypothesis", help='NLI: the hypothesis, e.g. "he is bad ."')
    p.set_defaults(func=cmd_classify)


def cmd_classify(args: argparse.Namespace) -> int:
    if args.premise is not None or args.hypothesis is not None:
        return _classify_pair(args)
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


def _classify_pair(args: argparse.Namespace) -> int:
    from dive.recipes.nli import classify_pair, load_nli
    from dive.recipes.nli_bert import classify_pair_bert, load_nli_bert

    if args.premise is None or args.hypothesis is None or args.text is not None:
        raise DiveError("an NLI run takes --premise and --hypothesis (and no review text)")
    is_bert = (Path(args.run) / "bert_config.json").is_file() or (Path(args.run).parent / "bert_config.json").is_file()
    load, classify = (load_nli_bert, classify_pair_bert) if is_bert else (load_nli, classify_pair)
    model, vocab, cfg = load(args.run)
    label, prob, unknown = classify(model, vocab, cfg, args.premise, args.hypothesis)
    print(f"{label} ({prob:.3f})")
    if unknown:
        print(f"note: {len(unknown)} words not in the vocabulary, read as <unk>: {' '.join(unknown[:8])}")
    return 0
