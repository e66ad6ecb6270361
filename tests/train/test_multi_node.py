"""Two "machines" on one: two torchrun launches with --nnodes 2, one process each, meeting at 127.0.0.1 (gloo),
train a tiny recipe to the weights of `--nproc 2` on one node; a run resumed on one node continues exactly."""

import os
import socket
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from dive.cli.main import main


def _weights(run):
    return {k: v for k, v in load_file(run / "checkpoint.safetensors").items() if k.startswith("model.")}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def two_nodes(args: list[str], out, timeout: float = 300) -> None:
    """What a user types on two machines (here both on 127.0.0.1): node 0 hosts the rendezvous."""
    port, env = _free_port(), {**os.environ, "OMP_NUM_THREADS": "1"}
    procs = []
    for rank in (0, 1):
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nnodes=2", f"--node-rank={rank}",
               "--nproc-per-node=1", "--master-addr=127.0.0.1", f"--master-port={port}",
               "-m", "dive", *args, "--out", str(out)]  # fmt: skip
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    try:
        outputs = [p.communicate(timeout=timeout)[0] for p in procs]
    finally:
        for p in procs:
            p.kill()
    assert [p.returncode for p in procs] == [0, 0], outputs


@pytest.mark.dist
@pytest.mark.slow
def test_two_nodes_train_as_two_processes_on_one_and_resume_on_one_node(tmp_path):
    args = ["run", "lenet", "--profile", "tiny", "--quiet", "--device", "cpu"]
    assert main([*args, "--max_epochs=2", "--out", str(tmp_path / "one")]) == 0
    assert main([*args, "--max_epochs=1", "--out", str(tmp_path / "single"), "--nproc", "2"]) == 0
    two_nodes([*args, "--max_epochs=1"], tmp_path / "nodes")
    single, nodes = _weights(tmp_path / "single"), _weights(tmp_path / "nodes")
    for k, v in nodes.items():
        torch.testing.assert_close(v, single[k], atol=1e-6, rtol=1e-5)
    # the two-node run's checkpoint, resumed by one process on one node for a second epoch
    assert main([*args, "--max_epochs=2", "--out", str(tmp_path / "nodes"), "--resume"]) == 0
    one = _weights(tmp_path / "one")
    for k, v in _weights(tmp_path / "nodes").items():
        torch.testing.assert_close(v, one[k], atol=1e-6, rtol=1e-5)
