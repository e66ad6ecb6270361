"""`dive generate RUN` (continue a prefix with a language model), `dive translate RUN "..."` (machine translation)
and `dive corpus` (n-gram statistics)."""

from __future__ import annotations

import argparse
from pathlib import Path

from dive.core import DiveError


def cmd_generate(args: argparse.Namespace) -> int:
    from dive.core import choose_device
    from dive.recipes.language_model import load_language_model
    from dive.text import generate

    if args.len < 0:
        raise DiveError("--len must be >= 0")
    model, vocab, cfg = load_language_model(args.checkpoint)
    device = choose_device(args.device)
    model.to(device)
    prefix = args.prefix.lower() if cfg.token == "char" else args.prefix
    unknown = sorted({c for c in prefix if c not in vocab}) if cfg.token == "char" else []
    if unknown:
        print(f"note: {''.join(unknown)!r} not in the vocabulary; read as <unk>")
    print(generate(model, prefix, args.len, vocab, cfg.token, device))
    return 0


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
    tr = sub.add_parser("translate", help="translate an English sentence with a trained seq2seq/bahdanau/transformer")
    tr.add_argument("checkpoint", help="a run's checkpoint.safetensors or its directory, e.g. runs/transformer")
    tr.add_argument("sentence", help='e.g. "i lost ."')
    tr.add_argument("--beam", type=int, default=1, help="beam size (1: greedy)")
    tr.add_argument("--heatmap", help="also save the attention over the source as this PNG")
    tr.add_argument("--device", default="cpu")
    corpus = sub.add_parser("corpus", help="n-gram statistics of The Time Machine and the Zipf plot (book §9.2)")
    corpus.add_argument("--token", default="word", choices=["word", "char"])
    corpus.add_argument("--top", type=int, default=5, help="most frequent n-grams to print")
    corpus.add_argument("--out", default="runs/corpus", help="where to write the plot")
    corpus.add_argument("--data", help="data root (default: $DIVE_DATA, ~/.cache/dive, system paths)")


def cmd_translate(args: argparse.Namespace) -> int:
    from dive.core import choose_device
    from dive.data import preprocess_nmt
    from dive.models import translate
    from dive.recipes.translation import load_translation_model, save_attention_heatmap

    if args.beam < 1:
        raise DiveError("--beam must be >= 1")
    model, src_vocab, tgt_vocab, cfg = load_translation_model(args.checkpoint)
    device = choose_device(args.device)
    model.to(device)
    tokens = [t for t in preprocess_nmt(args.sentence).split(" ") if t]
    unknown = [t for t in tokens if t not in src_vocab]
    if unknown:
        print(f"note: {' '.join(unknown)} not in the source vocabulary; read as <unk>")
    pred = translate(model, tokens, src_vocab, tgt_vocab, cfg.num_steps, args.beam, cfg.alpha, device)
    print(" ".join(pred))
    if args.heatmap:
        path = Path(args.heatmap)
        path.parent.mkdir(parents=True, exist_ok=True)
        if save_attention_heatmap(model, tokens, pred, src_vocab, tgt_vocab, cfg.num_steps, path):
            print(f"wrote {path}")
        else:
            print(f"note: the {cfg.model} model has no attention to plot")
    return 0
