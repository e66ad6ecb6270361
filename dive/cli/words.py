"""`dive similar RUN WORD [-k 5]` and `dive analogy RUN a b c` (book §15.7): queries on word vectors;
`dive encode RUN "a sentence" ["a second one"]` (book §15.10.2): a pretrained BERT's encoding.

RUN is a word-vector run (its folder holds `vectors.safetensors` and `vocab.json`) or a GloVe / fastText /
word2vec text file, for a user who has the book's downloads."""

from __future__ import annotations

import argparse
from pathlib import Path


def _is_run(source: str) -> bool:
    """A run folder with a checkpoint (its recipe's predictor answers); otherwise a vectors folder or text file."""
    path = Path(source)
    return (path / "checkpoint.safetensors").is_file() or path.suffix == ".safetensors"


def load_vectors(source: str):
    from dive.text.embeddings import WordVectors

    path = Path(source)
    if path.is_file() and path.suffix in (".txt", ".vec"):
        return WordVectors.from_text(path)
    return WordVectors.load(path.parent if path.is_file() else path)


def cmd_similar(args: argparse.Namespace) -> int:
    from dive.cli.predict import predict_as
    from dive.core import DiveError

    if args.k < 1:
        raise DiveError(f"-k must be >= 1, got {args.k}")
    if _is_run(args.run):
        return predict_as("similar", args.run, ("similar",), [args.word], k=args.k)
    for word, cos in load_vectors(args.run).similar(args.word, args.k):
        print(f"cosine sim={cos:.3f}: {word}")
    return 0


def cmd_analogy(args: argparse.Namespace) -> int:
    from dive.cli.predict import predict_as

    words = [args.a, args.b, args.c]
    if _is_run(args.run):
        return predict_as("analogy", args.run, ("similar",), words, k=max(args.k, 1), analogy=True)
    (answer, cos), *rest = load_vectors(args.run).analogy(*words, k=max(args.k, 1))
    print(f"{args.a} : {args.b} :: {args.c} : {answer}  (cosine {cos:.3f})")
    for word, c in rest:
        print(f"  then {word} ({c:.3f})")
    return 0


def cmd_encode(args: argparse.Namespace) -> int:
    """The book's §15.10.2 demo: token pieces and the shape of their BERT encoding."""
    from dive.cli.predict import predict_as

    sentences = [args.sentence] + ([args.second] if args.second is not None else [])
    return predict_as("encode", args.run, ("encode",), sentences)


def add_word_parsers(sub) -> None:
    s = sub.add_parser("similar", help="nearest words by cosine in a word-vector run (book §15.7)")
    s.add_argument("run", help="a word-vector run folder, or a GloVe/fastText text file")
    s.add_argument("word")
    s.add_argument("-k", type=int, default=5, help="how many neighbours (default 5)")
    s.set_defaults(func=cmd_similar)
    a = sub.add_parser("analogy", help="a : b :: c : ? with word vectors (book §15.7)")
    a.add_argument("run", help="a word-vector run folder, or a GloVe/fastText text file")
    a.add_argument("a")
    a.add_argument("b")
    a.add_argument("c")
    a.add_argument("-k", type=int, default=1, help="how many answers (default 1)")
    a.set_defaults(func=cmd_analogy)
    e = sub.add_parser("encode", help="BERT's encoding of a sentence or a pair (book §15.10.2)")
    e.add_argument("run", help="a bert-pretrain run folder or its checkpoint")
    e.add_argument("sentence")
    e.add_argument("second", nargs="?", default=None, help="an optional second sentence (segment 1)")
    e.set_defaults(func=cmd_encode)
