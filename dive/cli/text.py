"""`dive generate RUN` (continue a prefix with a language model), `dive translate RUN "..."` (machine translation)
and `dive corpus` (n-gram statistics)."""

from __future__ import annotations

import argparse
from pathlib import Path

from dive.core import DiveError

MAX_GENERATE = 10_000  # tokens `dive generate` writes at most: past that, a greedy RNN only loops, for minutes
SHOW_UNKNOWN = 8  # unknown words named in a note; the rest are counted


def _unknown_note(unknown: list[str], total: int, unit: str, vocab: str = "") -> str:
    """One short line for the tokens not in the vocabulary, however many there are (at most SHOW_UNKNOWN named)."""
    distinct = list(dict.fromkeys(unknown))
    named = " ".join(distinct[:SHOW_UNKNOWN])
    if len(distinct) > SHOW_UNKNOWN:
        named += f" ... ({len(distinct) - SHOW_UNKNOWN} more)"
    share = f"all {total}" if len(unknown) == total else f"{len(unknown)} of {total}"
    where = f"the {vocab} vocabulary" if vocab else "the vocabulary"
    return f"note: {share} {unit} not in {where}, read as <unk>: {named}"


def cmd_generate(args: argparse.Namespace) -> int:
    from dive.core import choose_device
    from dive.recipes.language_model import load_language_model
    from dive.text import generate

    if not 0 <= args.len <= MAX_GENERATE:
        raise DiveError(f"--len must be in 0..{MAX_GENERATE:,} (got {args.len:,})")
    if not args.prefix.strip():
        raise DiveError("--prefix is empty: a language model continues some text; give it a word or more")
    model, vocab, cfg = load_language_model(args.checkpoint)
    device = choose_device(args.device)
    model.to(device)
    prefix = args.prefix.lower() if cfg.token == "char" else args.prefix
    tokens = list(prefix) if cfg.token == "char" else prefix.split()
    unknown = [t for t in tokens if t not in vocab]
    if unknown:
        print(_unknown_note(unknown, len(tokens), "characters" if cfg.token == "char" else "words"))
    print(generate(model, prefix, args.len, vocab, cfg.token, device, progress=_progress_bar(args.len)))
    return 0


def _progress_bar(total: int):
    """A bar on stderr for a long generation (a few thousand tokens take seconds), None for a short one."""
    if total < 2_000:
        return None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="tok", desc="generating", leave=False, disable=None)  # None: only on a terminal

    def step(i: int) -> None:
        bar.update(1)
        if i + 1 == total:
            bar.close()

    return step


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
    if not tokens:
        raise DiveError("nothing to translate: the sentence is empty")
    unknown = [t for t in tokens if t not in src_vocab]
    if unknown:
        print(_unknown_note(unknown, len(tokens), "words", "source"))
    if len(tokens) >= cfg.num_steps:  # the encoder reads num_steps tokens, the last of them <eos>
        cut = len(tokens) - cfg.num_steps + 1
        print(f"note: the model reads {cfg.num_steps - 1} words (its num_steps); the last {cut} are cut")
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
