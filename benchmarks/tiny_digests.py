"""Every recipe's tiny-profile metrics and a digest of its trained weights, as JSON: run before and after a change
that must not change any number (issue 27's refactor), then compare the two files.

    python benchmarks/tiny_digests.py before.json /tmp/runs            # every recipe
    python benchmarks/tiny_digests.py after.json /tmp/runs lenet,mlp   # some
    python benchmarks/tiny_digests.py --compare before.json after.json

Digests are of the `model.*` tensors of each checkpoint (bytes in key order); timing metrics are left out.
They hold on one machine: another CPU may round differently.
"""

import hashlib
import json
import math
import sys
from pathlib import Path

import torch
from safetensors import safe_open


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with safe_open(str(path), "pt") as f:
        for k in sorted(f.keys()):
            if k.startswith("model."):
                h.update(k.encode())
                h.update(f.get_tensor(k).reshape(-1).contiguous().view(torch.uint8).numpy().tobytes())
    return h.hexdigest()[:16]


def measure(out_file: str, root: str, names: str | None = None) -> None:
    from dive.cli.run import run_recipe
    from dive.recipes import RECIPES

    out = {}
    for name in names.split(",") if names else RECIPES.names():
        d = Path(root) / name
        rec = run_recipe(name, "tiny", out=d, device="cpu", progress=False)
        digests = {str(ck.relative_to(d)): digest(ck) for ck in sorted(d.rglob("checkpoint.safetensors"))}
        metrics = {k: (v if not isinstance(v, float) or math.isfinite(v) else str(v)) for k, v in rec["metrics"].items()
                   if not timing(k)}  # fmt: skip
        out[name] = {"metrics": metrics, "weights": digests}
    Path(out_file).write_text(json.dumps(out, indent=1, sort_keys=True))


def timing(key: str) -> bool:
    """Metrics that measure the machine, not the run: left out of the comparison."""
    return "sec" in key or "time" in key or key.endswith("_ms")


def compare(a: str, b: str) -> int:
    before, after = json.loads(Path(a).read_text()), json.loads(Path(b).read_text())
    for run in (*before.values(), *after.values()):
        run["metrics"] = {k: v for k, v in run.get("metrics", {}).items() if not timing(k)}
    differ = [n for n in after if n in before and before[n] != after[n]]
    for n in differ:
        print(f"{n}: before {before[n]}\n{'':{len(n)}}  after  {after[n]}")
    print(f"{len(after)} recipes compared, {len(differ)} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    if sys.argv[1] == "--compare":
        raise SystemExit(compare(sys.argv[2], sys.argv[3]))
    measure(*sys.argv[1:])
