"""`dive predict` / `dive.predict` / `dive.load` through the registry: no dataset, old runs, hostile inputs."""

import json
import struct
import zlib

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

import dive
from dive.cli.main import main
from dive.cli.run import run_recipe
from dive.recipes import load_trained


@pytest.fixture(scope="module")
def lenet(tmp_path_factory):
    out = tmp_path_factory.mktemp("lenet")
    run_recipe("lenet", "tiny", out=out, device="cpu", progress=False)
    return out


def png(path, width: int, height: int, declared: tuple[int, int] | None = None):
    """A real grey PNG; `declared` rewrites the header's size (and its CRC) to claim another one."""
    from PIL import Image

    Image.new("L", (width, height), 200).save(path)
    if declared:
        data = bytearray(path.read_bytes())
        data[16:24] = struct.pack(">II", *declared)  # IHDR width, height
        data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
        path.write_bytes(bytes(data))
    return path


def test_predict_labels_an_image_file_with_no_data_around(lenet, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DIVE_DATA", str(tmp_path / "empty"))
    image = png(tmp_path / "shoe.png", 40, 30)
    assert main(["predict", str(lenet), str(image), "--top=3"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("shoe.png: ") and line.count("(") == 3
    result = dive.predict(lenet, [image])
    assert result.value in json.loads((lenet / "summary.json").read_text()) or isinstance(result.value, str)
    assert isinstance(dive.load(lenet), torch.nn.Module)


def test_predict_says_what_a_run_takes_and_refuses_bad_options(lenet, capsys):
    assert main(["predict", str(lenet), "--help-inputs"]) == 0
    assert "image-class" in capsys.readouterr().out
    assert main(["predict", str(lenet), "x.png", "--beam=2"]) == 2
    assert "has no option beam; its options: --top" in capsys.readouterr().err
    assert main(["predict", str(lenet)]) == 2
    assert "give the inputs" in capsys.readouterr().err


def test_an_image_that_declares_too_many_pixels_is_refused_from_its_header(lenet, tmp_path, capsys):
    bomb = png(tmp_path / "bomb.png", 8, 8, declared=(20000, 20000))
    assert main(["predict", str(lenet), str(bomb)]) == 2
    err = capsys.readouterr().err
    assert "bomb.png declares more" in err and "40,000,000" in err
    liar = png(tmp_path / "short.png", 8, 8, declared=(100, 100))  # torchvision's decoder crashed on this one
    assert main(["predict", str(lenet), str(liar)]) == 2
    assert "or it is damaged" in capsys.readouterr().err


def test_a_checkpoint_without_stored_metadata_still_loads(lenet, tmp_path):
    """Runs written before checkpoints held their metadata: the recipe's legacy_meta rebuilds it."""
    with safe_open(str(lenet / "checkpoint.safetensors"), "pt") as f:
        tensors, header = {k: f.get_tensor(k) for k in f.keys()}, f.metadata()
    doc = json.loads(header["dive"])
    del doc["extra"]["meta"], doc["extra"]["dive"]
    old = tmp_path / "old"
    old.mkdir()
    save_file(tensors, old / "checkpoint.safetensors", metadata={"dive": json.dumps(doc)})
    trained = load_trained(old)
    assert trained.meta["classes"][0] == "t-shirt" and trained.version == ""
    x = torch.rand(2, 1, 28, 28)
    assert torch.equal(trained.model(x), load_trained(lenet).model(x))


def test_a_run_of_another_kind_is_named_by_friendly_commands(lenet, capsys):
    assert main(["translate", str(lenet), "i lost ."]) == 2
    assert "is not a translation run: it is a lenet run" in capsys.readouterr().err


@pytest.mark.slow
def test_a_loaded_lenet_scores_what_its_run_scored(data_root, tmp_path, monkeypatch):
    """One real epoch; the model loaded from the folder alone gets the run's test accuracy exactly."""
    from dive.data import ImageBatch, load_fashion_mnist

    record = run_recipe("lenet", "book", ["max_epochs=1"], out=tmp_path, device="cpu", progress=False,
                        data_root=str(data_root))  # fmt: skip
    _, test = load_fashion_mnist(data_root)
    monkeypatch.setenv("DIVE_DATA", str(tmp_path / "empty"))
    model = dive.load(tmp_path)
    with torch.no_grad():
        preds = torch.cat([model(ImageBatch()(test.images[i : i + 2000])).argmax(1) for i in range(0, 10000, 2000)])
    assert float((preds == test.labels).float().mean()) == pytest.approx(record["metrics"]["test_acc"], abs=1e-9)


def test_a_config_that_does_not_fit_the_weights_is_refused_before_allocating(tmp_path, capsys):
    """num_hiddens=200000 in an LSTM's stored config would ask for 640 GB: the shapes are compared first."""
    run_recipe("lstm", "tiny", out=tmp_path / "lstm", device="cpu", progress=False)
    with safe_open(str(tmp_path / "lstm" / "checkpoint.safetensors"), "pt") as f:
        tensors, doc = {k: f.get_tensor(k) for k in f.keys()}, json.loads(f.metadata()["dive"])
    doc["extra"]["config"]["num_hiddens"] = 200000
    (tmp_path / "evil").mkdir()
    save_file(tensors, tmp_path / "evil" / "checkpoint.safetensors", metadata={"dive": json.dumps(doc)})
    assert main(["generate", str(tmp_path / "evil")]) == 2
    err = capsys.readouterr().err
    assert "does not match the stored weights" in err and "[800000, " in err
