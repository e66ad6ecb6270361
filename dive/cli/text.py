"""`dive generate RUN` (continue a prefix with a language model), `dive translate RUN "..."` (machine translation)
and `dive corpus` (n-gram statistics)."""

from __future__ import annotations

import argparse
from pathlib import Path

from dive.core import DiveError

MAX_GENERATE = 10_000  # as the language models' predictor: past that, a greedy RNN only loops, for minutes


def cmd_generate(args: argparse.Namespace) -> int:
    from dive.cli.predict import predict_as

    if not 0 <= args.len <= MAX_GENERATE:
        raise DiveError(f"--len must be in 0..{MAX_GENERATE:,} (got {args.len:,})")

    return predict_as("generate", args.checkpoint, ("generate",), [args.prefix], args.device, length=args.len)


def cmd_corpus(args: argparse.Namespace) -> int:
    from dive.data import read_time_machine
    from dive.plot import plot_zipf
    from dive.text import ngram_freqs, preprocess, tokenize, zipf_exponent

    tokens = tokenize(preprocess(read_time_machine(args.data)), args.token)
    print(f"The Time Machine: {len(tokens)} {args.token} tokens")
    freqs = {}
    for n, name in ((1, "unigram"), (2, "bigram"), (3, "trigram")):
        table = ngram_freqs(tokens, n)
        freqs[name] = [c for _, c in table]
        sep = "" if args.token == "char" else " "
        top = ", ".join(f"{sep.join(g)!r} {c}" for g, c in table[: args.top])
        alpha = zipf_exponent(freqs[name]) if len(table) > 12 else float("nan")
        print(f"{name}s: {len(table)} distinct; Zipf alpha {alpha:.2f}; top: {top}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = plot_zipf(freqs, out / f"zipf_{args.token}.png", title=f"The Time Machine, {args.token}s")
    print(f"wrote {path}")
    return 0


def add_text_parsers(sub: argparse._SubParsersAction) -> None:
    gen = sub.add_parser("generate", help="continue a prefix with a trained language model (greedy)")
    gen.add_argument("checkpoint", help="a run's checkpoint.safetensors or its directory, e.g. runs/rnn")
    gen.add_argument("--prefix", default="time traveller", help="text to continue (default: %(default)r)")
    gen.add_argument("--len", type=int, default=50, help="tokens to generate (default: %(default)s)")
    gen.add_argument("--device", default="cpu")
    gen.set_defaults(func=cmd_generate)
    tr = sub.add_parser("translate", help="translate an English sentence with a trained seq2seq/bahdanau/transformer")
    tr.add_argument("checkpoint", help="a run's checkpoint.safetensors or its directory, e.g. runs/transformer")
    tr.add_argument("sentence", help='e.g. "i lost ."')
    tr.add_argument("--beam", type=int, default=1, help="beam size (1: greedy)")
    tr.add_argument("--heatmap", help="also save the attention over the source as this PNG")
    tr.add_argument("--device", default="cpu")
    tr.set_defaults(func=cmd_translate)
    corpus = sub.add_parser("corpus", help="n-gram statistics of The Time Machine and the Zipf plot (book §9.2)")
    corpus.add_argument("--token", default="word", choices=["word", "char"])
    corpus.add_argument("--top", type=int, default=5, help="most frequent n-grams to print")
    corpus.add_argument("--out", default="runs/corpus", help="where to write the plot")
    corpus.add_argument("--data", help="data root (default: $DIVE_DATA, ~/.cache/dive, system paths)")
    corpus.set_defaults(func=cmd_corpus)


def cmd_translate(args: argparse.Namespace) -> int:
    from dive.cli.predict import predict_as

    return predict_as("translate", args.checkpoint, ("translate",), [args.sentence], args.device, beam=args.beam,
                      heatmap=args.heatmap or "")  # fmt: skip
