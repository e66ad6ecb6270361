"""`dive export`: every model recipe says how it exports (or why not); exports equal the eager model's outputs."""

import pytest
import torch

from dive.cli.main import main
from dive.cli.run import run_recipe
from dive.recipes import RECIPES, export, load_trained
from dive.recipes.export import FORMATS, flat


def test_every_model_part_declares_an_export_input_or_why_not():
    parts = {name: r.model for name, r in RECIPES.items() if r.model is not None}
    assert all(p.export_input is not None or p.export_note for p in parts.values())


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    for name in ("lenet", "rnn", "rnn-scratch", "transformer", "linreg", "word2vec"):
        run_recipe(name, "tiny", out=root / name, device="cpu", progress=False)
    return root


@pytest.mark.parametrize("fmt", ["onnx", "pt2", "torchscript"])
def test_lenet_exports_equal_the_eager_model_on_another_batch(runs, tmp_path, fmt):
    trained = load_trained(runs / "lenet")
    path, diff = export(trained, fmt, tmp_path / f"lenet.{fmt}")
    assert diff <= 1e-5 and path.stat().st_size > 0
    X = torch.rand(3, 1, 28, 28)  # the export traced a batch of 1
    with torch.no_grad():
        expected = trained.model(X)
    if fmt == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        got = torch.from_numpy(session.run(None, {session.get_inputs()[0].name: X.numpy()})[0])
    elif fmt == "pt2":
        got = torch.export.load(str(path)).module()(X)
    else:
        got = torch.jit.load(str(path))(X)
    assert torch.allclose(got, expected, atol=1e-5)


@pytest.mark.parametrize("name", ["rnn", "transformer", "linreg"])
def test_sequence_and_regression_models_export_to_onnx(runs, tmp_path, name):
    import onnxruntime

    trained = load_trained(runs / name)
    path, diff = export(trained, "onnx", tmp_path / "m.onnx")
    args = RECIPES[name].model.export_input(trained)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {i.name: a.numpy() for i, a in zip(session.get_inputs(), args)})
    with torch.no_grad():
        expected = flat(trained.model(*args))
    assert diff <= 1e-5 and all(torch.allclose(torch.from_numpy(g), e, atol=1e-5) for g, e in zip(got, expected))


def test_safetensors_export_holds_the_weights_and_the_run_description(runs, tmp_path):
    import json

    from safetensors import safe_open

    trained = load_trained(runs / "word2vec")  # not traceable, but its weights export
    path, _ = export(trained, "safetensors", tmp_path / "w.safetensors")
    with safe_open(str(path), "pt") as f:
        meta = f.metadata()
        assert set(f.keys()) == set(trained.model.state_dict())
    assert meta["recipe"] == "word2vec" and json.loads(meta["config"])["embed_size"] == trained.config.embed_size
    assert json.loads(meta["meta"])["vocab"]["idx_to_token"][0] == "<unk>"


def test_a_model_that_cannot_be_traced_is_refused_in_one_line(runs, tmp_path, capsys):
    assert main(["export", str(runs / "rnn-scratch"), "--format", "onnx", "--out", str(tmp_path / "x.onnx")]) == 2
    err = capsys.readouterr().err
    assert "loops over time steps in Python" in err and err.count("\n") == 1
    assert not (tmp_path / "x.onnx").exists()
    assert main(["export", str(runs / "word2vec"), "--format", "nope"]) == 2
    assert "--format is one of " + ", ".join(FORMATS) in capsys.readouterr().err


def test_the_export_command_writes_beside_the_run_by_default(runs, capsys):
    assert main(["export", str(runs / "linreg"), "--format", "pt2"]) == 0
    assert "match the eager model's" in capsys.readouterr().out
    assert (runs / "linreg" / "model.pt2").stat().st_size > 0
