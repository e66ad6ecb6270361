"""fcn-camvid: held-out pixel accuracy and mIoU beside the majority-class floor; `dive segment` on any photo."""

import pytest


@pytest.fixture(scope="module")
def fcn_run(tmp_path_factory):
    from dive.cli.run import run_recipe

    out = tmp_path_factory.mktemp("fcn")
    return out, run_recipe("fcn-camvid", "tiny", out=out, device="cpu", progress=False)


def test_fcn_recipe_scores_held_out_frames_beside_the_floor(fcn_run):
    out, record = fcn_run
    m = record["metrics"]
    for key in ("test_pixel_acc", "test_miou", "floor_pixel_acc", "floor_miou"):
        assert 0 <= m[key] <= 1, key
    assert m["test_pixel_acc"] > m["floor_pixel_acc"]  # the stand-in is learnable: two bands of classes
    assert "majority-class floor" in record["summary"] and (out / "segmentation.png").stat().st_size > 0


def test_dive_segment_draws_the_class_map_of_any_photo_and_refuses_bad_input(fcn_run, tmp_path, capsys):
    from PIL import Image

    from dive.cli.main import main

    out, _ = fcn_run
    photo = tmp_path / "grey.png"
    Image.new("L", (70, 50), 128).save(photo)  # greyscale: converted to RGB, not refused
    assert main(["segment", str(out), str(photo), "--out", str(tmp_path / "s.png")]) == 0
    assert "largest classes:" in capsys.readouterr().out and (tmp_path / "s.png").stat().st_size > 0
    assert main(["segment", str(out), str(tmp_path / "none.png")]) == 2
    assert "no image at" in capsys.readouterr().err
    assert main(["run", "fcn-camvid", "--profile", "tiny", "--height=60", "--out", str(tmp_path / "r")]) == 2
    assert "multiples of 32" in capsys.readouterr().err


def test_fcn_backbone_pretrained_by_dive_is_cached_and_bad_choices_are_refused(tmp_path, capsys):
    from dive.cli.main import main

    args = ["run", "fcn-camvid", "--profile", "tiny", "--backbone", "kaggle-cifar10", "--max-epochs", "1"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert "pretrained by dive on the 1,000 Kaggle CIFAR-10 photos" in capsys.readouterr().out
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    assert "source model: resnet18-kaggle-cifar10, from" in capsys.readouterr().out  # trained once, then read
    assert main(["run", "fcn-camvid", "--profile", "tiny", "--backbone", "imagenet", "--out", str(tmp_path / "c")]) == 2
    assert "--backbone is scratch or kaggle-cifar10" in capsys.readouterr().err
