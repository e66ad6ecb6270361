"""`dive run NAME --nproc N`: start N training processes with torchrun (book §13.6, concise data parallelism).

The command re-runs itself under `python -m torch.distributed.run --standalone` without `--nproc`; each worker
then finds RANK and WORLD_SIZE in its environment and joins the group (`dive.train.distributed`). One can also
call torchrun directly: `torchrun --standalone --nproc-per-node=2 -m dive run resnet --profile quick`.

On CPU each process gets `cores // N` threads (OMP_NUM_THREADS, unless already set): N processes each using
every core would fight over them.
"""

from __future__ import annotations

import os
import subprocess
import sys

import torch

from dive.core import ConfigError


def strip_nproc(argv: list[str]) -> list[str]:
    """argv without `--nproc N` / `--nproc=N`."""
    out, skip = [], False
    for tok in argv:
        if skip:
            skip = False
        elif tok == "--nproc":
            skip = True
        elif not tok.startswith("--nproc="):
            out.append(tok)
    return out


def launch(nproc: int, argv: list[str], device: str = "auto") -> int:
    """Run `dive ARGV` in `nproc` processes under torchrun; returns its exit status."""
    if nproc < 1:
        raise ConfigError(f"--nproc must be >= 1, got {nproc}")
    on_gpu = device.startswith("cuda") or (device == "auto" and torch.cuda.is_available())
    if on_gpu and torch.cuda.device_count() < nproc:
        raise ConfigError(f"--nproc {nproc} needs {nproc} GPUs; this machine has {torch.cuda.device_count()}")
    env = dict(os.environ)
    if not on_gpu:
        env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}"]
    cmd += ["-m", "dive", *strip_nproc(argv)]
    print(f"launching {nproc} processes: {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
    return subprocess.call(cmd, env=env)
