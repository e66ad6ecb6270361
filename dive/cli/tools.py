"""`dive summary MODEL` and `dive bench TARGET`: the commands that inspect models and measure speed."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

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


def cmd_bench(args: argparse.Namespace) -> int:
    if args.target == "lstm":
        return _bench_lstm(args)
    if args.target == "transformer":
        return _bench_transformer(args)
    if args.target == "ssd":
        return _bench_ssd(args)
    if args.target == "kaggle":
        from dive.bench.images import run_kaggle_bench
        from dive.data.image_folders import kaggle_cifar10_dir

        print("dive bench kaggle: ResNet-18 on Kaggle CIFAR-10 (book §14.13), per-sample image files vs dive")
        # the book's §14.13 DataLoader has no worker processes
        r = run_kaggle_bench(kaggle_cifar10_dir(args.data), rounds=args.rounds, batch_size=args.batch_size or 32)
        m = r["medians"]
        print(
            f"median images/s: book {m['book']:.1f}, dive {m['dive']:.1f} ({r['ratio']:.2f}x), "
            f"dive+cl {m['dive+cl']:.1f} ({r['ratio_cl']:.2f}x)"
        )
        _write_json(args, r)
        return 0
    if args.target == "sentiment":
        from dive.bench.sentiment import format_sentiment_bench, run_sentiment_bench
        from dive.data.imdb import load_imdb

        print("dive bench sentiment: 2-layer BiLSTM on IMDb (book §16.2), the book's padded 500 steps vs dive")
        data = load_imdb(args.data)
        r = run_sentiment_bench(*data.train, len(data.vocab), reviews=args.examples or 1000, rounds=args.rounds,
                                batch_size=args.batch_size or 64)  # fmt: skip
        print(format_sentiment_bench(r))
        _write_json(args, r)
        return 0
    if args.target == "word2vec":
        from dive.bench.word2vec import format_word2vec_bench, run_word2vec_bench
        from dive.data.word_windows import read_ptb

        epochs = args.epochs or 5
        print(f"dive bench word2vec: skip-gram on PTB (book §15.4), {epochs} epochs, dive vs gensim vs the book's data")
        rows = run_word2vec_bench(read_ptb(args.data), epochs=epochs)
        print(format_word2vec_bench(rows))
        _write_json(args, {"rows": rows})
        return 0
    if args.target in ("exchange", "scaling", "parallel"):
        return _bench_perf(args)
    if args.target in ("compile", "threads"):
        from dive.bench.perf import compile_bench, format_compile, format_threads, threads_bench

        if args.target == "compile":
            print("dive bench compile: one training step (batch 256), eager vs torch.compile")
            rows = compile_bench()
            print(format_compile(rows))
        else:
            print(f"dive bench threads: LeNet training step (batch 256); this machine has {os.cpu_count()} CPUs")
            rows = threads_bench(threads=sorted({1, 2, os.cpu_count() or 1}))
            print(format_threads(rows))
        _write_json(args, {"rows": rows})
        return 0
    import torch

    from dive.bench import format_bench, run_lenet_bench
    from dive.data import ImageSet, load_fashion_mnist

    train, test = load_fashion_mnist(args.data)
    if args.examples:
        if not 0 < args.examples <= len(train):
            raise DiveError(f"--examples must be in 1..{len(train)}")
        g = torch.Generator().manual_seed(0)
        idx = torch.randperm(len(train), generator=g)[: args.examples]
        train = ImageSet(train.images[idx], train.labels[idx])
    variants = [v.strip() for v in (args.variants or "dive,dive+cl,dive+cl+split").split(",") if v.strip()]
    print(f"dive bench {args.target}: LeNet (book §7.6) on Fashion-MNIST, book-style pipeline vs dive")
    _say_precision(variants)
    result = run_lenet_bench(
        train,
        test,
        rounds=args.rounds,
        batch_size=args.batch_size or 256,
        variants=variants,
        workers=args.workers,
        accuracy_epochs=args.epochs,
    )
    print(format_bench(result))
    _write_json(args, result.to_dict())
    return 0


def _say_precision(variants: list[str]) -> None:
    """Where a contender trains in bf16, say first what bf16 is on this CPU: native, emulated or unavailable."""
    if any("bf16" in v for v in variants):
        from dive.bench.harness import precision_line

        print(precision_line("bf16"))


def _bench_lstm(args: argparse.Namespace) -> int:
    from dive.bench import format_lstm_bench, run_lstm_bench
    from dive.data import load_time_machine

    corpus = load_time_machine(args.data)
    ids = corpus.ids[: args.tokens] if args.tokens else corpus.ids
    variants = [v.strip() for v in (args.variants or "dive,dive+bf16,dive-scratch").split(",") if v.strip()]
    print("dive bench lstm: character-level LSTM language model (book §10.1) on The Time Machine, book loop vs dive")
    _say_precision(variants)
    result = run_lstm_bench(
        ids,
        len(corpus.vocab),
        rounds=args.rounds,
        batch_size=args.batch_size or 32,
        num_steps=args.num_steps,
        num_hiddens=args.hidden,
        variants=variants,
    )
    print(format_lstm_bench(result))
    _write_json(args, result.to_dict())
    return 0


def _bench_transformer(args: argparse.Namespace) -> int:
    from dive.bench.transformer import run_decode_bench, run_training_bench

    print("dive bench transformer: training (book loop vs dive) and decoding (kv cache vs recompute)")
    _say_precision(["dive+bf16"])
    train = run_training_bench(rounds=args.rounds)
    print("training: " + ", ".join(f"{k} {v:,.0f} tok/s ({v / train['book']:.2f}x)" for k, v in train.items()))
    decode = run_decode_bench()
    _write_json(args, {"training": train, "decode": decode})
    return 0


def _bench_ssd(args: argparse.Namespace) -> int:
    from dive.bench.ssd import format_ssd_bench, run_ssd_bench
    from dive.data import ImageSet
    from dive.data.bananas import load_bananas

    n = args.examples or 256
    if not 0 < n <= 1000:
        raise DiveError("--examples must be in 1..1000 (the banana training set)")
    train, _ = load_bananas(args.data, n_train=1000, n_valid=100)
    train = ImageSet(train.images[:n], train.labels[:n])
    variants = [v.strip() for v in (args.variants or "dive,dive+nchw").split(",") if v.strip()]
    print("dive bench ssd: TinySSD (book §14.7) on the banana set, book-style pipeline vs dive")
    _say_precision(variants)
    result = run_ssd_bench(train, rounds=args.rounds, batch_size=args.batch_size or 32, variants=variants)
    print(format_ssd_bench(result))
    _write_json(args, result.to_dict())
    return 0


def _bench_perf(args: argparse.Namespace) -> int:
    """Chapter 13's multi-process and parallelism benchmarks (`dive.bench.dist`, `dive.bench.parallel`)."""
    if args.target == "exchange":
        from dive.bench.dist import exchange_bench, format_exchange

        rows = exchange_bench(args.nproc, reps=args.rounds * 7)
        print(f"dive bench exchange: all-reduce vs parameter server ({args.nproc} processes, gloo on localhost)")
        print(format_exchange(rows, args.nproc))
    elif args.target == "scaling":
        from dive.bench.dist import format_scaling, scaling_bench
        from dive.bench.harness import matmul_peak_gflops

        model = args.model or "lenet"
        print(f"dive bench scaling: DDP training step of {model}, throughput vs processes and global batch")
        rows = scaling_bench(model, nprocs=sorted({1, args.nproc}), reps=args.rounds * 3)
        peak = matmul_peak_gflops()
        print(format_scaling(rows, peak))
        print(f"(peak: a 2048x2048 fp32 matmul with all threads reaches {peak:.0f} GFLOP/s here)")
    else:
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
        rows = {"cpu": rows, "gpu": gpu}
    _write_json(args, {"rows": rows})
    return 0


def _write_json(args: argparse.Namespace, data: dict) -> None:
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + "\n")
        print(f"wrote {path}")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    summary = sub.add_parser("summary", help="print each layer's output shape and parameter count")
    summary.add_argument("model", help="a registered model name, e.g. lenet, resnet18, alexnet-small")
    summary.add_argument("--input", help="input shape such as 1x1x28x28 (default: the model's registered shape)")
    summary.set_defaults(func=cmd_summary)
    bench = sub.add_parser("bench", help="time dive's training pipeline against the book's (medians, ratios)")
    bench.add_argument(
        "target",
        choices=[
            "lenet",
            "lstm",
            "transformer",
            "ssd",
            "kaggle",
            "word2vec",
            "sentiment",
            "compile",
            "threads",
            "exchange",
            "scaling",
            "parallel",
        ],
        help="what to benchmark",
    )
    bench.add_argument("--rounds", type=int, default=3, help="alternating rounds, one epoch per contender each")
    bench.add_argument(
        "--variants",
        default=None,
        help="comma-separated; lenet: dive, dive+cl, dive+cl+split (default all three), dive+bf16, dive+cl+bf16, "
        "dive+compile; "
        "lstm: dive, dive+bf16, dive-scratch (default all three); "
        "ssd: dive, dive+nchw (default), dive+bf16, dive+compile",
    )
    bench.add_argument("--batch-size", type=int, default=0, help="default: 256 (lenet), 32 (lstm, ssd)")
    bench.add_argument("--workers", type=int, default=4, help="DataLoader workers of the book-style pipeline")
    bench.add_argument(
        "--examples",
        type=int,
        default=0,
        help="use a random subset of the training set (ssd: default 256 images; sentiment: 1000 reviews)",
    )
    bench.add_argument("--epochs", type=int, default=0, help="then train N epochs each and compare test accuracy")
    bench.add_argument("--data", help="data root (default: $DIVE_DATA, ~/.cache/dive, system paths)")
    bench.add_argument("--json", help="also write the results as JSON here")
    bench.add_argument("--hidden", type=int, default=256, help="lstm: hidden units (book zh 2.0: 256)")
    bench.add_argument("--num-steps", type=int, default=35, help="lstm: steps per subsequence")
    bench.add_argument("--tokens", type=int, default=0, help="lstm: use only the first N tokens of the corpus")
    bench.add_argument("--nproc", type=int, default=2, help="exchange, scaling: processes (default 2)")
    bench.add_argument("--model", help="scaling: a registered model (default lenet)")
    bench.set_defaults(func=cmd_bench)
