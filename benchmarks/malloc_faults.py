"""LeNet's training step with glibc's default malloc thresholds against `dive.core.memory.keep_freed_memory()`.

Each setting runs in a fresh process (the thresholds are process-wide), alternating for `--rounds`; each process
times `--steps` steps of the book's LeNet (channels_last, batch 256, SGD) on all cores and counts the minor page
faults per step. Medians are compared.

    python benchmarks/malloc_faults.py --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time


def child(steps: int, batch: int) -> None:
    import torch
    import torch.nn.functional as F

    from dive.core.memory import keep_freed_memory
    from dive.models import LeNet

    kept = keep_freed_memory()
    torch.manual_seed(0)
    model = LeNet(num_classes=10).to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    X = torch.rand(batch, 1, 28, 28).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (batch,))

    def step() -> None:
        opt.zero_grad()
        F.cross_entropy(model(X), y).backward()
        opt.step()

    for _ in range(10):
        step()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    t = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = time.perf_counter() - t
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    print(json.dumps({"kept": kept, "examples_per_sec": steps * batch / seconds, "faults_per_step": faults / steps}))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        return child(args.steps, args.batch)
    rows: dict[str, list[dict]] = {"default": [], "kept": []}
    for r in range(args.rounds):
        for name, flag in (("default", "0"), ("kept", "1")):
            env = {**os.environ, "DIVE_KEEP_FREED_MEMORY": flag}
            cmd = [sys.executable, __file__, "--child", f"--steps={args.steps}", f"--batch={args.batch}"]
            row = json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout)
            rows[name].append(row)
            print(f"round {r + 1}: {name:7} {row['examples_per_sec']:8,.0f} examples/s, "
                  f"{row['faults_per_step']:7,.0f} page faults per step", flush=True)  # fmt: skip
    default, kept = (statistics.median(x["examples_per_sec"] for x in rows[k]) for k in ("default", "kept"))
    print(f"median: glibc default {default:,.0f}, freed memory kept {kept:,.0f} examples/s: {kept / default:.2f}x")


if __name__ == "__main__":
    main()
