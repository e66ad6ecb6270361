"""Every recipe family's speed against the baseline it is measured against, in one table (issue 32).

    python benchmarks/all_families.py [--out DIR] [--only lenet,word2vec] [--force] [--readme docs/speed.md]

Each family runs `dive bench FAMILY ... --json DIR/FAMILY.json` in a process of its own, with a small budget
(alternating rounds, medians, a minute or two each). A family whose JSON is already in DIR is not run again
(`--force` re-runs it), so an interrupted run resumes where it stopped. The table (DIR/table.md) gives per
family the baseline, the two medians, the ratio and, for the compute-bound families, the share of this
machine's fp32 matmul peak the dive step reaches, measured in the same run. `--readme` replaces the block
between the `<!-- speed-table -->` markers of a page (docs/speed.md) with the table, so that section is never written by hand.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

Row = dict[str, object]


def _rounds(family: str, unit: str, dive: str = "dive", flops: str = "") -> Callable[[dict], list[Row]]:
    """A bench whose JSON holds `medians` {book, dive, ...} (and `flops`, `peak_gflops` when compute-bound)."""

    def rows(r: dict) -> list[Row]:
        med = r["medians"]
        share = r[flops] * med[dive] / 1e9 / r["peak_gflops"] if flops in r else None
        return [{"family": family, "baseline": "the book's pipeline", "unit": unit, "base": med["book"],
                 "dive": med[dive], "contender": dive, "peak": share, "peak_gflops": r.get("peak_gflops")}]  # fmt: skip

    return rows


def _transformer(r: dict) -> list[Row]:
    t = r["training"]
    peak = r["flops_per_token"] * t["dive"] / 1e9 / r["peak_gflops"] if "flops_per_token" in r else None
    return [{"family": "transformer (§11.7)", "baseline": "the book's loop", "unit": "tokens/s", "base": t["book"],
             "dive": t["dive"], "contender": "dive", "peak": peak, "peak_gflops": r.get("peak_gflops")}]  # fmt: skip


def _sentiment(r: dict) -> list[Row]:
    m = r["medians"]
    return [{"family": "sentiment BiLSTM (§16.2)", "baseline": "the book's padded batches", "unit": "real tokens/s",
             "base": m["book"], "dive": m["dive"], "contender": "dive", "peak": None}]  # fmt: skip


def _words(family: str, baseline: str) -> Callable[[dict], list[Row]]:
    def rows(r: dict) -> list[Row]:
        by = {row["key"]: row for row in r["rows"] if "key" in row}
        return [{"family": family, "baseline": baseline, "unit": "corpus words/s",
                 "base": by["gensim"]["words_per_s"], "dive": by["dive"]["words_per_s"], "contender": "dive (SGD)",
                 "peak": None}]  # fmt: skip

    return rows


def _recsys(r: dict) -> list[Row]:
    return [{"family": f"{s['model']} (ch. 21)", "baseline": "the book-style DataLoader", "unit": "interactions/s",
             "base": s["book_per_s"], "dive": s["dive_per_s"], "contender": "dive", "peak": None}
            for s in r["speed"]]  # fmt: skip


# family -> (the `dive bench` arguments, how to read its JSON); budgets sized to a minute or two on 2 cores
FAMILIES: dict[str, tuple[list[str], Callable[[dict], list[Row]]]] = {
    "lenet": (["lenet", "--rounds", "3", "--examples", "20000", "--variants", "dive+cl"],
              _rounds("LeNet, Fashion-MNIST (§7.6)", "examples/s", "dive+cl", "flops_per_example")),
    "lstm": (["lstm", "--rounds", "3", "--tokens", "60000", "--variants", "dive"],
             _rounds("char LSTM (§10.1)", "tokens/s", "dive", "flops_per_token")),
    "ssd": (["ssd", "--rounds", "3", "--examples", "128", "--variants", "dive"],
            _rounds("TinySSD, bananas (§14.7)", "images/s", "dive", "flops_per_image")),
    "kaggle": (["kaggle", "--rounds", "2"],
               _rounds("ResNet-18, Kaggle CIFAR-10 (§14.13)", "images/s", "dive", "flops_per_image")),
    "transformer": (["transformer", "--rounds", "2"], _transformer),
    "sentiment": (["sentiment", "--rounds", "2", "--examples", "500"], _sentiment),
    "word2vec": (["word2vec", "--rounds", "3", "--contenders", "dive,gensim"],
                 _words("skip-gram, PTB (§15.4)", "gensim Word2Vec (C)")),
    "fasttext": (["fasttext", "--rounds", "2", "--contenders", "dive,gensim"],
                 _words("fastText, PTB (§15.6)", "gensim FastText (C)")),
    "cbow": (["cbow", "--rounds", "3", "--contenders", "dive,gensim"],
             _words("CBOW, PTB (§15.1.4)", "gensim Word2Vec CBOW (C)")),
    "recsys": (["recsys", "--skip", "accuracy", "--rounds", "3"], _recsys),
}  # fmt: skip


# where the time of a family under 2x goes, and the levers measured (the detailed sections of docs/speed.md)
NOTES = {
    "ssd": "the step, not the data: 5.8 GFLOP per image (31% of a 362 GFLOP/s peak in the run on the speed page); "
    "BatchNorm and ReLU on the large early maps take ~40% of it (memory-bound). Tried: channels_last (the "
    "default, 1.42x vs NCHW's 1.00x), torch.compile (1.64x, not the default: compiling costs more than a quick "
    "run saves), bf16 autocast (2.67x with AMX, not the default: mAP@0.5 0.375 against fp32's 0.432)",
    "kaggle": "the ResNet-18 step: a 32x32 image decodes and augments in well under a millisecond, so no "
    "pipeline can buy more; channels_last measured 0.91x and is off for these recipes",
    "transformer": "the step's matmuls (the 256 x 4,000 output layer, 24 projections: ~45 GFLOP/s in fp32) "
    "and dropout's masks (~15%); bf16 autocast gives 1.80x",
    "word2vec": "the pairs' update compiled (numba: one pass that keeps a pair's two rows in L1, as gensim's "
    "C loop does) is ~0.9 ms of a batch's ~1.5 ms; the rest is the trainer's per-step Python and the loader. "
    "Tried: sparse gradients and word2vec's SGD in eager torch (0.31-0.43x gensim: ~9 passes over a 13,400 x "
    "100 pair tensor per batch), batch 256-1,024, torch.compile of the update (slower), a second thread on "
    "the compiled pass (no gain at batch 512)",
    "fasttext": "as skip-gram; the n-gram rows' update is in the compiled pass too",
    "cbow": "a centre has ~6 pairs, so a step is mostly fixed cost: batches of 1,024 centres (quality held: "
    "wordsim353 0.25-0.33 over seeds, the book's Adam 0.310), word2vec.c's context rule, the context mean computed "
    "in the compiled pass; what is left is the trainer's per-step Python (~0.3 ms of ~0.9 ms)",
    "sentiment": "the LSTM's sequential steps; the padding removed is the lever",
}


def run_family(name: str, out: Path, force: bool) -> str:
    """Run one family's bench unless its JSON is there; returns a status word."""
    path = out / f"{name}.json"
    if path.is_file() and not force:
        return "kept"
    args, _ = FAMILIES[name]
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "dive.cli.main", "bench", *args, "--json", str(path)],
                          capture_output=True, text=True)  # fmt: skip
    (out / f"{name}.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        (out / f"{name}.error").write_text(tail)
        return f"failed ({tail})"
    (out / f"{name}.error").unlink(missing_ok=True)
    return f"ran in {time.perf_counter() - t0:.0f} s"


def table(out: Path) -> str:
    rows, missing, slow = [], [], []
    for name, (_, read) in FAMILIES.items():
        path = out / f"{name}.json"
        if path.is_file():
            got = read(json.loads(path.read_text()))
            rows += got
            slow += [name] if any(r["dive"] / r["base"] < 2 for r in got) else []
        else:
            err = out / f"{name}.error"
            missing.append(f"{name}: {err.read_text() if err.is_file() else 'not run'}")
    peaks = {round(r["peak_gflops"]) for r in rows if r.get("peak_gflops")}
    head = "| family | baseline | baseline median | dive median | dive / baseline | share of fp32 peak (GFLOP/s) |"
    lines = [f"Measured by `python benchmarks/all_families.py` on {platform.machine()}, 2 CPU cores, "
             f"{time.strftime('%Y-%m-%d')}; each family's fp32 matmul peak is measured in its own process, after "
             f"its rounds ({', '.join(map(str, sorted(peaks)))} GFLOP/s here: a shared machine's speed moves):",
             "", head, "|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        peak = f"{r['peak']:.0%} of {r['peak_gflops']:.0f}" if r["peak"] is not None else "-"
        lines.append(f"| {r['family']} | {r['baseline']} | {r['base']:,.0f} {r['unit']} | {r['dive']:,.0f} "
                     f"({r['contender']}) | **{r['dive'] / r['base']:.2f}x** | {peak} |")  # fmt: skip
    notes = [f"- {name}: {NOTES[name]}." for name in slow if name in NOTES]
    if notes:
        lines += ["", "Under 2x, where the time goes and what was tried:", *notes]
    if missing:
        lines += ["", "Not in this table: " + "; ".join(missing) + "."]
    return "\n".join(lines)


def into_readme(readme: Path, text: str) -> None:
    start, end = "<!-- speed-table -->", "<!-- /speed-table -->"
    src = readme.read_text()
    if start not in src or end not in src:
        raise SystemExit(f"{readme} has no {start} ... {end} block to fill")
    head, rest = src.split(start, 1)
    readme.write_text(head + start + "\n" + text + "\n" + end + rest.split(end, 1)[1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default="benchmarks/results/all_families", help="where the JSON, logs and table go")
    p.add_argument("--only", default="", help="comma-separated families (default: all)")
    p.add_argument("--force", action="store_true", help="re-run families whose JSON is already there")
    p.add_argument("--readme", default="", help="also write the table into this page's speed-table block (docs/speed.md)")
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = [n for n in args.only.split(",") if n] or list(FAMILIES)
    unknown = [n for n in names if n not in FAMILIES]
    if unknown:
        raise SystemExit(f"unknown families {unknown}; choose from {', '.join(FAMILIES)}")
    for name in names:
        print(f"{name}: ...", end="", flush=True)
        print(f"\r{name}: {run_family(name, out, args.force)}", flush=True)
    text = table(out)
    (out / "table.md").write_text(text + "\n")
    print(text)
    if args.readme:
        into_readme(Path(args.readme), text)


if __name__ == "__main__":
    main()
