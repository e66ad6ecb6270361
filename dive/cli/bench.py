"""`dive bench TARGET`: each benchmark registers itself in `BENCHES` with its own flags and its runner.

Every target shares `--rounds`, `--json` and `--data`; the rest are its own (`dive bench lenet --help`). Adding a
benchmark is one `@bench(...)` function here over a `dive.bench` module.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dive.core import DiveError, Registry


@dataclass(frozen=True)
class Bench:
    """A benchmark target: its one-line help, its own flags, and its runner (which prints and returns a dict)."""

    help: str
    flags: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], dict]


BENCHES: Registry[Bench] = Registry("benchmark")


def bench(name: str, help: str, *flags: tuple[tuple[str, ...], dict]):
    """Register the decorated runner as `dive bench NAME`, with `flags` as (names, add_argument keywords)."""

    def add(parser: argparse.ArgumentParser) -> None:
        for names, kwargs in flags:
            parser.add_argument(*names, **kwargs)

    def register(run: Callable[[argparse.Namespace], dict]) -> Callable[[argparse.Namespace], dict]:
        BENCHES.add(name, Bench(help, add, run))
        return run

    return register


def _variants(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def variants_flag(default: str, choices: str) -> tuple[tuple[str, ...], dict]:
    return ("--variants",), {"default": default, "help": f"comma-separated, of: {choices} (default: {default})"}


def batch_flag(default: int) -> tuple[tuple[str, ...], dict]:
    return ("--batch-size",), {"type": int, "default": default, "help": f"default: {default}"}


def examples_flag(default: int, what: str) -> tuple[tuple[str, ...], dict]:
    return ("--examples",), {"type": int, "default": default, "help": what}


def say_precision(variants: list[str]) -> None:
    """Where a contender trains in bf16, say first what bf16 is on this CPU: native, emulated or unavailable."""
    if any("bf16" in v for v in variants):
        from dive.bench.harness import precision_line

        print(precision_line("bf16"))


@bench("lenet", "LeNet (book §7.6) on Fashion-MNIST: the book's per-sample pipeline against dive's",
       variants_flag("dive,dive+cl,dive+cl+split", "dive, dive+cl, dive+cl+split, dive+bf16, dive+cl+bf16, "
                     "dive+compile"), batch_flag(256),
       (("--workers",), {"type": int, "default": 4, "help": "DataLoader workers of the book-style pipeline"}),
       examples_flag(0, "train on a random subset of this many images (default: all 60,000)"),
       (("--epochs",), {"type": int, "default": 0, "help": "then train N epochs each, compare accuracy"}))  # fmt: skip
def _lenet(args: argparse.Namespace) -> dict:
    import torch

    from dive.bench import format_bench, run_lenet_bench
    from dive.data import ImageSet, load_fashion_mnist

    train, test = load_fashion_mnist(args.data)
    if args.examples:
        if not 0 < args.examples <= len(train):
            raise DiveError(f"--examples must be in 1..{len(train)}")
        idx = torch.randperm(len(train), generator=torch.Generator().manual_seed(0))[: args.examples]
        train = ImageSet(train.images[idx], train.labels[idx])
    variants = _variants(args.variants)
    print("dive bench lenet: LeNet (book §7.6) on Fashion-MNIST, book-style pipeline vs dive")
    say_precision(variants)
    result = run_lenet_bench(train, test, rounds=args.rounds, batch_size=args.batch_size, variants=variants,
                             workers=args.workers, accuracy_epochs=args.epochs)  # fmt: skip
    print(format_bench(result))
    return result.to_dict()


@bench("lstm", "character-level LSTM (book §10.1) on The Time Machine: the book's loop against dive's",
       variants_flag("dive,dive+bf16,dive-scratch", "dive, dive+bf16, dive-scratch"), batch_flag(32),
       (("--hidden",), {"type": int, "default": 256, "help": "hidden units (book zh 2.0: 256)"}),
       (("--num-steps",), {"type": int, "default": 35, "help": "steps per subsequence"}),
       (("--tokens",), {"type": int, "default": 0, "help": "use only the first N tokens of the corpus"}))  # fmt: skip
def _lstm(args: argparse.Namespace) -> dict:
    from dive.bench import format_lstm_bench, run_lstm_bench
    from dive.data import load_time_machine

    corpus = load_time_machine(args.data)
    ids = corpus.ids[: args.tokens] if args.tokens else corpus.ids
    variants = _variants(args.variants)
    print("dive bench lstm: character-level LSTM language model (book §10.1) on The Time Machine, book loop vs dive")
    say_precision(variants)
    result = run_lstm_bench(ids, len(corpus.vocab), rounds=args.rounds, batch_size=args.batch_size,
                            num_steps=args.num_steps, num_hiddens=args.hidden, variants=variants)  # fmt: skip
    print(format_lstm_bench(result))
    return result.to_dict()


@bench("ssd", "TinySSD (book §14.7) on the banana set: the book's pipeline against dive's",
       variants_flag("dive,dive+nchw", "dive, dive+nchw, dive+bf16, dive+compile"), batch_flag(32),
       examples_flag(256, "banana training images to use (1..1000)"))  # fmt: skip
def _ssd(args: argparse.Namespace) -> dict:
    from dive.bench.ssd import format_ssd_bench, run_ssd_bench
    from dive.data import ImageSet
    from dive.data.bananas import load_bananas

    if not 0 < args.examples <= 1000:
        raise DiveError("--examples must be in 1..1000 (the banana training set)")
    train, _ = load_bananas(args.data, n_train=1000, n_valid=100)
    train = ImageSet(train.images[: args.examples], train.labels[: args.examples])
    variants = _variants(args.variants)
    print("dive bench ssd: TinySSD (book §14.7) on the banana set, book-style pipeline vs dive")
    say_precision(variants)
    result = run_ssd_bench(train, rounds=args.rounds, batch_size=args.batch_size, variants=variants)
    print(format_ssd_bench(result))
    return result.to_dict()


@bench("transformer", "the Transformer (book §11.7): training loop, and decoding with and without a kv cache")
def _transformer(args: argparse.Namespace) -> dict:
    from dive.bench.harness import matmul_peak_gflops
    from dive.bench.transformer import run_decode_bench, run_training_bench, training_flops_per_token

    print("dive bench transformer: training (book loop vs dive) and decoding (kv cache vs recompute)")
    say_precision(["dive+bf16"])
    train = run_training_bench(rounds=args.rounds)
    print("training: " + ", ".join(f"{k} {v:,.0f} tok/s ({v / train['book']:.2f}x)" for k, v in train.items()))
    flops, peak = training_flops_per_token(), matmul_peak_gflops()
    print(
        f"training step: {flops / 1e6:.2f} MFLOP per token; dive reaches {flops * train['dive'] / 1e9:.1f} GFLOP/s "
        f"= {flops * train['dive'] / 1e9 / peak:.0%} of this machine's fp32 matmul peak ({peak:.0f} GFLOP/s)"
    )
    return {"training": train, "decode": run_decode_bench(), "flops_per_token": flops, "peak_gflops": peak}


@bench("kaggle", "ResNet-18 on Kaggle CIFAR-10 (book §14.13): per-sample image files against dive", batch_flag(32))
def _kaggle(args: argparse.Namespace) -> dict:
    from dive.bench.images import run_kaggle_bench
    from dive.data.image_folders import kaggle_cifar10_dir

    print("dive bench kaggle: ResNet-18 on Kaggle CIFAR-10 (book §14.13), per-sample image files vs dive")
    r = run_kaggle_bench(kaggle_cifar10_dir(args.data), rounds=args.rounds, batch_size=args.batch_size)
    m = r["medians"]
    print(f"median images/s: book {m['book']:.1f}, dive {m['dive']:.1f} ({r['ratio']:.2f}x), "
          f"dive+cl {m['dive+cl']:.1f} ({r['ratio_cl']:.2f}x)")  # fmt: skip
    return r


@bench("sentiment", "2-layer BiLSTM on IMDb (book §16.2): the book's padded 500 steps against dive's buckets",
       batch_flag(64), examples_flag(1000, "reviews to time on"))  # fmt: skip
def _sentiment(args: argparse.Namespace) -> dict:
    from dive.bench.sentiment import format_sentiment_bench, run_sentiment_bench
    from dive.data.imdb import load_imdb

    print("dive bench sentiment: 2-layer BiLSTM on IMDb (book §16.2), the book's padded 500 steps vs dive")
    data = load_imdb(args.data)
    r = run_sentiment_bench(*data.train, len(data.vocab), reviews=args.examples, rounds=args.rounds,
                            batch_size=args.batch_size)  # fmt: skip
    print(format_sentiment_bench(r))
    return r


_WORD_VECTOR_ARGS = ((("--epochs",), {"type": int, "default": 5, "help": "epochs each (default 5)"}),
                     (("--contenders",), {"default": "dive,dive-adam,gensim",
                                          "help": "comma-separated, of dive, dive-adam, gensim"}))  # fmt: skip


def _word_vectors(args: argparse.Namespace, model: str, title: str) -> dict:
    from dive.bench.harness import check_variants
    from dive.bench.word2vec import CONTENDERS, format_word2vec_bench, run_word2vec_bench
    from dive.data.word_windows import read_ptb

    contenders = check_variants(args.contenders.split(","), CONTENDERS)
    print(f"dive bench {args.target}: {title} on PTB, {args.epochs} epochs, {args.rounds} alternating rounds, "
          f"{' vs '.join(contenders)}" + (" vs the book's data pipeline" if model == "skipgram" else ""))  # fmt: skip
    rows = run_word2vec_bench(read_ptb(args.data), epochs=args.epochs, rounds=args.rounds, model=model,
                              contenders=contenders, book_data=model == "skipgram")  # fmt: skip
    print(format_word2vec_bench(rows))
    return {"rows": rows}


@bench("word2vec", "skip-gram on PTB (book §15.4): dive's two trainers against gensim, and the book's data pipeline",
       *_WORD_VECTOR_ARGS)  # fmt: skip
def _word2vec(args: argparse.Namespace) -> dict:
    return _word_vectors(args, "skipgram", "skip-gram (book §15.4)")


@bench("fasttext", "fastText's subword skip-gram on PTB (book §15.6): dive's two trainers against gensim's FastText",
       *_WORD_VECTOR_ARGS)  # fmt: skip
def _fasttext(args: argparse.Namespace) -> dict:
    return _word_vectors(args, "fasttext", "fastText skip-gram (book §15.6.1)")


@bench("cbow", "CBOW on PTB (book §15.1.4): dive's two trainers against gensim's CBOW", *_WORD_VECTOR_ARGS)
def _cbow(args: argparse.Namespace) -> dict:
    return _word_vectors(args, "cbow", "CBOW (book §15.1.4)")


@bench("recsys", "matrix factorization (book §21.3) against scikit-surprise on u1-u5, and pipeline speed",
       (("--skip",), {"default": "", "help": "accuracy or speed: leave that part out"}),
       (("--workers",), {"type": int, "default": 2, "help": "the book-style DataLoader's workers"}))  # fmt: skip
def _recsys(args: argparse.Namespace) -> dict:
    from dive.bench.recsys import format_recsys, run_accuracy, run_speed
    from dive.data.movielens import read_ml100k, split_ratings

    print("dive bench recsys: MovieLens 100K (book ch. 21)")
    accuracy = [] if args.skip == "accuracy" else run_accuracy(args.data)
    speed = [] if args.skip == "speed" else run_speed(split_ratings(read_ml100k(args.data))[0], args.rounds,
                                                      args.workers)  # fmt: skip
    print(format_recsys(accuracy, speed))
    return {"accuracy": accuracy, "speed": speed}


@bench("compile", "one training step (batch 256), eager against torch.compile (book §13.1)")
def _compile(args: argparse.Namespace) -> dict:
    from dive.bench.perf import compile_bench, format_compile

    print("dive bench compile: one training step (batch 256), eager vs torch.compile")
    rows = compile_bench()
    print(format_compile(rows))
    return {"rows": rows}


@bench("threads", "LeNet's training step against the number of intra-op threads")
def _threads(args: argparse.Namespace) -> dict:
    from dive.bench.perf import format_threads, threads_bench

    print(f"dive bench threads: LeNet training step (batch 256); this machine has {os.cpu_count()} CPUs")
    rows = threads_bench(threads=sorted({1, 2, os.cpu_count() or 1}))
    print(format_threads(rows))
    return {"rows": rows}


NPROC = (("--nproc",), {"type": int, "default": 2, "help": "processes (default 2)"})


@bench("exchange", "gradient exchange (book §13.5-13.7): all-reduce, ring and parameter server", NPROC)
def _exchange(args: argparse.Namespace) -> dict:
    from dive.bench.dist import exchange_bench, format_exchange

    rows = exchange_bench(args.nproc, reps=args.rounds * 7)
    print(f"dive bench exchange: all-reduce vs parameter server ({args.nproc} processes, gloo on localhost)")
    print(format_exchange(rows, args.nproc))
    return {"rows": rows}


@bench("scaling", "DDP training throughput against processes and global batch (book §13.6)", NPROC,
       (("--model",), {"default": "lenet", "help": "a registered model (default lenet)"}))  # fmt: skip
def _scaling(args: argparse.Namespace) -> dict:
    from dive.bench.dist import format_scaling, scaling_bench
    from dive.bench.harness import matmul_peak_gflops

    print(f"dive bench scaling: DDP training step of {args.model}, throughput vs processes and global batch")
    rows = scaling_bench(args.model, nprocs=sorted({1, args.nproc}), reps=args.rounds * 3)
    peak = matmul_peak_gflops()
    print(format_scaling(rows, peak))
    print(f"(peak: a 2048x2048 fp32 matmul with all threads reaches {peak:.0f} GFLOP/s here)")
    return {"rows": rows}


@bench("parallel", "inter-op threads on the CPU, stream overlap on a GPU (book §13.2)")
def _parallel(args: argparse.Namespace) -> dict:
    from dive.bench.parallel import format_rows, interop_bench, streams_bench

    print("dive bench parallel: two independent chains of 20 (512x512) products on the CPU")
    rows = interop_bench(reps=args.rounds * 2 + 1)
    print(format_rows(rows))
    gpu = streams_bench()
    if gpu is None:
        print("GPU streams: skipped, no CUDA GPU here")
    else:
        print("GPU: compute and a device-to-host copy, one stream vs two")
        print(format_rows(gpu))
    return {"rows": {"cpu": rows, "gpu": gpu}}


def add_bench_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="time dive's training pipeline against the book's (medians, ratios)")
    targets = p.add_subparsers(dest="target", required=True, metavar="TARGET")
    for name, entry in BENCHES.items():
        t = targets.add_parser(name, help=entry.help, description=entry.help)
        t.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
        t.add_argument("--json", help="also write the results as JSON here")
        t.add_argument("--data", help="data root (default: $DIVE_DATA, ~/.cache/dive, system paths)")
        entry.flags(t)
        t.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    result = BENCHES[args.target].run(args)
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=2, default=str) + "\n")
        print(f"wrote {path}")
    return 0
