"""Builders' guide (book chapter 6) as executable checks: blocks, parameters, initialisation, tying, I/O, devices."""

import pickle

import pytest
import torch
from torch import nn

from dive.core import DiveError, check_same_device
from dive.nn import (
    CenteredLayer,
    FixedHiddenMLP,
    MLPBlock,
    MyLinear,
    MySequential,
    NestMLP,
    ParallelHeads,
    TiedMLP,
    init_book_custom,
    init_constant,
    init_normal,
    load_params,
    load_tensors,
    save_params,
    save_tensors,
)


def test_custom_blocks_compose_like_the_book():
    X = torch.rand(2, 20)
    assert MLPBlock()(X).shape == (2, 10)
    seq = MySequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
    assert seq(X).shape == (2, 10)
    assert len(list(seq.parameters())) == 4  # ModuleList makes the layers' parameters visible
    chimera = nn.Sequential(NestMLP(), nn.Linear(16, 20), FixedHiddenMLP())
    assert chimera(X).shape == ()
    heads = ParallelHeads()
    assert heads(X).shape == (2, 10) and heads(X, "regress").shape == (2, 1)


def test_a_plain_python_list_hides_parameters_which_is_why_modulelist_exists():
    class Hidden(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 2)]  # not registered

    assert list(Hidden().parameters()) == []


def test_buffers_are_saved_but_not_trained():
    m = FixedHiddenMLP()
    assert "rand_weight" in m.state_dict()
    assert "rand_weight" not in dict(m.named_parameters())


def test_parameter_access_by_name():
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    names = [name for name, _ in net.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert net[2].weight.shape == (1, 8) and net.state_dict()["2.bias"].shape == (1,)
    assert net[2].weight.grad is None  # no backward yet


def test_builtin_and_custom_initialisation():
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    net.apply(init_constant(1.0))
    assert torch.equal(net[0].weight, torch.ones(8, 4)) and torch.equal(net[0].bias, torch.zeros(8))
    torch.manual_seed(0)
    net.apply(init_normal(0.01))
    assert net[0].weight.std().item() < 0.05
    big = nn.Linear(100, 100)
    big.apply(init_book_custom)
    w = big.weight
    assert ((w == 0) | (w.abs() >= 5)).all() and (w.abs() <= 10).all()
    assert 0.4 < (w == 0).float().mean().item() < 0.6  # half the weights are zeroed


def test_tied_parameters_are_one_tensor_and_sum_their_gradients():
    net = TiedMLP()
    assert net.net[2].weight is net.net[4].weight
    assert len(list(net.parameters())) == 6  # the shared layer is counted once
    with torch.no_grad():
        net.net[2].weight[0, 0] = 100.0
    assert net.net[4].weight[0, 0] == 100.0
    # gradient of the shared weight == sum of the gradients of two untied copies
    X = torch.rand(3, 4)
    net(X).sum().backward()
    untied = nn.Sequential(*[nn.Linear(8, 8) if i in (2, 4) else m for i, m in enumerate(net.net)])
    with torch.no_grad():
        for i in (2, 4):
            untied[i].weight.copy_(net.net[2].weight)
            untied[i].bias.copy_(net.net[2].bias)
    for p in untied.parameters():
        p.grad = None
    untied(X).sum().backward()
    assert torch.allclose(net.net[2].weight.grad, untied[2].weight.grad + untied[4].weight.grad)


def test_layers_with_and_without_parameters():
    Y = CenteredLayer()(torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert torch.equal(Y, torch.tensor([-2.0, -1.0, 0.0, 1.0, 2.0])) and not list(CenteredLayer().parameters())
    net = nn.Sequential(nn.Linear(8, 128), CenteredLayer())
    assert abs(net(torch.rand(4, 8)).mean().item()) < 1e-6
    layer = MyLinear(5, 3)
    assert layer(torch.rand(2, 5)).shape == (2, 3) and {n for n, _ in layer.named_parameters()} == {"weight", "bias"}


def test_save_and_load_tensors_and_parameters(tmp_path):
    x, y = torch.arange(4.0), torch.zeros(4)
    save_tensors(tmp_path / "xy.safetensors", {"x": x, "y": y})
    back = load_tensors(tmp_path / "xy.safetensors")
    assert torch.equal(back["x"], x) and torch.equal(back["y"], y)
    torch.manual_seed(0)
    net = MLPBlock()
    save_params(net, tmp_path / "mlp.params")
    clone = load_params(MLPBlock(), tmp_path / "mlp.params")
    X = torch.rand(2, 20)
    assert torch.equal(clone(X), net(X))
    with pytest.raises(DiveError, match="does not fit"):
        load_params(NestMLP(), tmp_path / "mlp.params")


def test_loading_refuses_pickles(tmp_path):
    torch.save({"x": torch.zeros(2)}, tmp_path / "zip.pt")
    (tmp_path / "legacy.pkl").write_bytes(pickle.dumps({"x": [1, 2]}, protocol=4))
    for name in ("zip.pt", "legacy.pkl"):
        with pytest.raises(DiveError, match="pickle"):
            load_tensors(tmp_path / name)
    (tmp_path / "junk.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00not json")
    with pytest.raises(DiveError, match="safetensors"):
        load_tensors(tmp_path / "junk.safetensors")
    with pytest.raises(DiveError, match="no such file"):
        load_tensors(tmp_path / "missing.safetensors")


def test_tensors_on_different_devices_give_a_clear_error():
    X = torch.ones(2, 3)
    W = torch.ones(3, 1, device="meta")  # a second device that exists on every machine
    with pytest.raises(DiveError, match="X on cpu, W on meta"):
        check_same_device(X=X, W=W)
    assert check_same_device(X=X, Y=X) == torch.device("cpu")


@pytest.mark.gpu
def test_a_model_moves_to_the_gpu_with_its_parameters_and_buffers():
    net = FixedHiddenMLP().to("cuda")
    assert all(p.device.type == "cuda" for p in net.parameters()) and net.rand_weight.device.type == "cuda"
    with pytest.raises(RuntimeError):
        net(torch.rand(2, 20))  # input left on the CPU
