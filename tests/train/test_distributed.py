"""Data parallel training (book §13.5-13.7): scratch all-reduce, ring all-reduce, parameter server, DDP, and
`dive run --nproc 2`, each checked against one process on the concatenated batch. Workers are module-level
functions so that spawned processes can import them."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.nn.functional as F
from safetensors.torch import load_file
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from dive.cli.launch import strip_nproc
from dive.cli.main import main
from dive.core import ConfigError, DiveError
from dive.data import ArrayLoader, RowShard
from dive.scratch.data_parallel import (
    AllReduceSGD,
    LeNetDP,
    ParameterServerSGD,
    ring_all_reduce_,
    split_batch,
)
from dive.train import Callback, FitState, StopTraining, Trainer, shard_loader, spawn_local, world


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3)).double()


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    return torch.randn(10, 6, generator=g, dtype=torch.float64), torch.randint(0, 3, (10,), generator=g)


def _single_process_grads() -> list[torch.Tensor]:
    net = _net()
    X, y = _data()
    F.cross_entropy(net(X), y).backward()
    return [p.grad for p in net.parameters()]


def _ddp_grads(rank: int, world: int) -> list[torch.Tensor]:
    net = DistributedDataParallel(_net())
    X, y = split_batch(*_data(), world)[rank]
    F.cross_entropy(net(X), y).backward()
    return [p.grad for p in net.parameters()]


def _scratch_steps(rank: int, world: int, ring: bool) -> list[torch.Tensor]:
    net = _net()
    opt = AllReduceSGD(net.parameters(), lr=0.5, ring=ring)
    X, y = split_batch(*_data(), world)[rank]
    for _ in range(3):
        opt.zero_grad()
        F.cross_entropy(net(X), y).backward()
        opt.step()
    return [p.detach() for p in net.parameters()]


def _ps_steps(rank: int, world: int) -> list[torch.Tensor]:
    net = _net()
    opt = ParameterServerSGD(net.parameters(), lr=0.5)
    X, y = split_batch(*_data(), world)[rank]
    for _ in range(3):
        opt.zero_grad()
        F.cross_entropy(net(X), y).backward()
        opt.step()
    return [p.detach() for p in net.parameters()]


def _ring(rank: int, world: int) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.arange(11, dtype=torch.float64) * (rank + 1)  # 11 does not divide by 2 or 3: uneven chunks
    expected = x.clone()
    dist.all_reduce(expected)
    return ring_all_reduce_(x), expected


def _single_process_sgd(steps: int = 3, lr: float = 0.5) -> list[torch.Tensor]:
    net = _net()
    X, y = _data()
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(net(X), y).backward()
        opt.step()
    return [p.detach() for p in net.parameters()]


def _every_rank_equals(per_rank: list[list[torch.Tensor]], expected: list[torch.Tensor]) -> None:
    for tensors in per_rank:
        for t, e in zip(tensors, expected, strict=True):
            torch.testing.assert_close(t, e)


def test_split_batch_parts_concatenate_to_the_batch():
    X, y = _data()
    parts = split_batch(X, y, 3)
    assert [len(p[0]) for p in parts] == [4, 3, 3]
    assert torch.equal(torch.cat([p[0] for p in parts]), X) and torch.equal(torch.cat([p[1] for p in parts]), y)
    with pytest.raises(ValueError, match="cannot be split"):
        split_batch(X[:1], y[:1], 2)


def test_sharded_loader_partitions_each_global_batch():
    X = torch.arange(23)
    loader = ArrayLoader(X, batch_size=8, shuffle=True, seed=3)
    shards = [loader.shard(r, 2) for r in range(2)]
    for full, a, b in zip(loader.epoch(1), shards[0].epoch(1), shards[1].epoch(1), strict=True):
        assert torch.equal(torch.cat([a[0], b[0]]), full[0])
    assert len(list(ArrayLoader(torch.arange(9), batch_size=4).shard(1, 2).epoch(0))) == 2  # the batch of 1 is skipped
    with pytest.raises(ConfigError, match="cannot be split"):
        ArrayLoader(X, batch_size=1).shard(0, 2)


def test_strip_nproc():
    assert strip_nproc(["run", "lenet", "--nproc", "2", "--lr=1", "--nproc=3"]) == ["run", "lenet", "--lr=1"]


def test_single_process_recipe_refuses_to_run_in_a_group(monkeypatch, tmp_path, capsys):
    assert main(["run", "airfoil", "--profile", "tiny", "--out", str(tmp_path), "--nproc", "2"]) == 2  # no launch
    assert "trains in one process only" in capsys.readouterr().err
    monkeypatch.setenv("WORLD_SIZE", "2")  # inside a torchrun worker
    monkeypatch.setenv("RANK", "0")
    assert main(["run", "airfoil", "--profile", "tiny", "--out", str(tmp_path)]) == 2
    assert "trains in one process only" in capsys.readouterr().err


@pytest.mark.dist
def test_ddp_gradients_equal_the_single_process_batch_gradient():
    _every_rank_equals(spawn_local(_ddp_grads, 2), _single_process_grads())


@pytest.mark.dist
@pytest.mark.parametrize("ring", [False, True], ids=["all_reduce", "ring"])
def test_scratch_data_parallel_sgd_equals_single_process(ring):
    _every_rank_equals(spawn_local(_scratch_steps, 2, (ring,)), _single_process_sgd())


@pytest.mark.dist
def test_ring_all_reduce_equals_all_reduce_with_three_processes():
    for got, expected in spawn_local(_ring, 3, threads=1):
        torch.testing.assert_close(got, expected)


@pytest.mark.dist
def test_parameter_server_equals_single_process():
    _every_rank_equals(spawn_local(_ps_steps, 2), _single_process_sgd())


def _weights(run: Path) -> dict[str, torch.Tensor]:
    return {k: v for k, v in load_file(run / "checkpoint.safetensors").items() if k.startswith("model.")}


def _epochs(run: Path) -> list[dict]:
    lines = (run / "history.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if r["kind"] == "epoch"]


@pytest.mark.dist
@pytest.mark.slow
def test_two_process_run_matches_one_process_and_resumes_with_another_count(tmp_path, capfd):
    args = ["run", "lenet", "--profile", "tiny", "--quiet", "--device", "cpu", "--max_epochs=2"]
    assert main([*args, "--out", str(tmp_path / "one")]) == 0
    capfd.readouterr()
    assert main([*args, "--out", str(tmp_path / "two"), "--nproc", "2"]) == 0
    out, err = capfd.readouterr()
    assert out.count("test acc") == 1 and err.count("epoch 2/2") == 1, (out, err)  # rank 0 alone reports
    # two processes for one epoch, then one process resumes for the second
    assert main([*args[:-1], "--max_epochs=1", "--out", str(tmp_path / "mixed"), "--nproc", "2"]) == 0
    assert main([*args, "--out", str(tmp_path / "mixed"), "--resume"]) == 0
    one = _weights(tmp_path / "one")
    for run in ("two", "mixed"):
        for k, v in _weights(tmp_path / run).items():
            torch.testing.assert_close(v, one[k], atol=1e-6, rtol=1e-5)
        for a, b in zip(_epochs(tmp_path / run), _epochs(tmp_path / "one"), strict=True):
            assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-5)
            assert a["test_acc"] == pytest.approx(b["test_acc"], abs=1e-9)
    summary = json.loads((tmp_path / "two" / "summary.json").read_text())
    assert summary["processes"] == 2


@pytest.mark.dist
@pytest.mark.slow
def test_scratch_all_reduce_recipe_in_two_processes_matches_one(tmp_path):
    args = ["run", "data-parallel-scratch", "--profile", "tiny", "--quiet", "--device", "cpu", "--max_epochs=1"]
    assert main([*args, "--out", str(tmp_path / "one")]) == 0
    assert main([*args, "--out", str(tmp_path / "two"), "--nproc", "2", "--ring=true"]) == 0
    one = _weights(tmp_path / "one")
    for k, v in _weights(tmp_path / "two").items():
        torch.testing.assert_close(v, one[k], atol=1e-6, rtol=1e-5)


def test_all_reduce_sgd_is_plain_sgd_in_one_process():
    net, ref = _net(), _net()
    X, y = _data()
    opt, ref_opt = AllReduceSGD(net.parameters(), lr=0.5), torch.optim.SGD(ref.parameters(), lr=0.5)
    for model, o in ((net, opt), (ref, ref_opt)):
        F.cross_entropy(model(X), y).backward()
        o.step()
    for p, q in zip(net.parameters(), ref.parameters(), strict=True):
        torch.testing.assert_close(p, q)


def test_book_data_parallel_lenet_shapes():
    assert LeNetDP()(torch.zeros(2, 1, 28, 28)).shape == (2, 10)


class _StopAt(Callback):
    def __init__(self, step: int) -> None:
        self.step = step

    def on_batch_end(self, trainer, state) -> None:
        if state.step == self.step:
            raise StopTraining


def _linear_fit(distributed: bool, state: FitState | None = None, stop_at: int = 0, weights=None):
    torch.manual_seed(0)
    model = nn.Linear(6, 3).double()
    if weights is not None:
        model.load_state_dict(weights)
    X, y = _data()
    X, y = X.repeat(4, 1), y.repeat(4)  # 40 examples: 5 batches of 8
    loader = ArrayLoader(X, y, batch_size=8, shuffle=True, seed=1)
    if distributed:
        loader = shard_loader(loader, world())
    callbacks = [_StopAt(stop_at)] if stop_at else []
    trainer = Trainer(model, F.cross_entropy, torch.optim.SGD(model.parameters(), lr=0.1), max_epochs=1,
                      callbacks=callbacks, distributed=distributed)  # fmt: skip
    state = trainer.fit(loader, None, state)
    return state, model


def _resume_in_group(rank: int, world_size: int, saved: dict, weights: dict) -> float:
    state, _ = _linear_fit(True, FitState.from_dict(saved), weights=weights)
    return state.metrics["train_loss"]


@pytest.mark.dist
def test_mid_epoch_resume_in_more_processes_counts_the_saved_sums_once():
    full, _ = _linear_fit(False)
    stopped, model = _linear_fit(False, stop_at=3)  # 3 of 5 batches done, running sums saved with them
    losses = spawn_local(_resume_in_group, 2, (stopped.to_dict(), model.state_dict()))
    assert losses[0] == pytest.approx(full.metrics["train_loss"], rel=1e-6)


def _stuck(rank: int, world: int) -> None:
    if rank == 0:
        dist.barrier()  # rank 1 never arrives
    else:
        time.sleep(60)


@pytest.mark.dist
def test_spawn_local_stops_stuck_processes():
    with pytest.raises(DiveError, match="did not finish in 5 s"):
        spawn_local(_stuck, 2, timeout=5)


@pytest.mark.dist
@pytest.mark.slow
def test_language_model_with_carried_state_in_two_processes_matches_one(tmp_path):
    # sequential partitioning: each process keeps its rows (streams) and carries their state (RowShard)
    args = ["run", "gru", "--profile", "tiny", "--quiet", "--device", "cpu", "--scheme=sequential"]
    assert main([*args, "--out", str(tmp_path / "one")]) == 0
    assert main([*args, "--out", str(tmp_path / "two"), "--nproc", "2"]) == 0
    one = _weights(tmp_path / "one")
    for k, v in _weights(tmp_path / "two").items():
        torch.testing.assert_close(v, one[k], atol=1e-5, rtol=1e-4)
    assert (tmp_path / "two" / "samples.txt").exists() and (tmp_path / "two" / "vocab.json").exists()


@pytest.mark.dist
@pytest.mark.slow
def test_transformer_trains_in_two_processes_and_rank_0_alone_decodes(tmp_path, capfd):
    out = tmp_path / "two"
    assert main(["run", "transformer", "--profile", "tiny", "--quiet", "--device", "cpu", "--out", str(out),
                 "--nproc", "2"]) == 0  # fmt: skip
    printed = capfd.readouterr().out
    assert printed.count("i lost . =>") == 1
    assert json.loads((out / "summary.json").read_text())["processes"] == 2
    assert (out / "attention.png").exists() and (out / "tgt_vocab.json").exists()


def test_row_shard_splits_every_batch_and_keeps_carries_state():
    class Batches:
        carries_state = True

        def __len__(self):
            return 2

        def epoch(self, epoch, start=0):
            yield from [(torch.arange(6).view(3, 2), torch.arange(3)), (torch.arange(1).view(1, 1), torch.arange(1))][
                start:
            ]

    shards = [RowShard(Batches(), r, 2) for r in range(2)]
    assert shards[0].carries_state and len(shards[1]) == 2
    parts = [list(s.epoch(0)) for s in shards]
    assert [len(p) for p in parts] == [1, 1]  # the one-row batch cannot be split: skipped by both
    assert parts[0][0][0].tolist() == [[0, 1], [2, 3]] and parts[1][0][0].tolist() == [[4, 5]]
