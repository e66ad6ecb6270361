"""`dive anchors IMAGE`: the book's anchor pictures, and one clear line for bad input."""

import pytest
import torch
from PIL import Image

from dive.cli.main import main
from dive.cli.vision import anchor_labels


def test_anchor_labels_follow_multibox_prior_order():
    assert anchor_labels([0.75, 0.5, 0.25], [1, 2, 0.5]) == [
        "s=0.75, r=1", "s=0.5, r=1", "s=0.25, r=1", "s=0.75, r=2", "s=0.75, r=0.5"
    ]  # fmt: skip


def test_anchors_draws_on_a_written_image_and_refuses_bad_input(tmp_path, capsys):
    img = tmp_path / "photo.png"
    Image.fromarray(torch.randint(0, 255, (60, 80, 3), dtype=torch.uint8).numpy()).save(img)
    assert main(["anchors", str(img), "--at", "40,30", "--out", str(tmp_path / "out")]) == 0
    assert "24,000 anchors on the 80x60 image (5 per pixel)" in capsys.readouterr().out
    assert (tmp_path / "out" / "anchors.png").stat().st_size > 0 and (tmp_path / "out" / "multiscale.png").exists()
    (tmp_path / "notes.txt").write_text("not a picture")
    for argv, message in (
        ([str(tmp_path / "notes.txt")], "is not an image"),
        ([str(tmp_path / "missing.jpg")], "no image at"),
        ([str(img), "--sizes", "0.5,0"], "sizes are in (0, 1]"),
        ([str(img), "--ratios", "-2"], "ratios in [0.01, 100]"),
        ([str(img), "--sizes", "big"], "numbers separated by commas"),
        ([str(img), "--at", "500,500"], "outside the 80x60 image"),
    ):
        assert main(["anchors", *argv, "--out", str(tmp_path / "bad")]) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.slow
def test_anchors_on_the_books_catdog(tmp_path, capsys, data_root):
    assert main(["anchors", str(data_root / "img" / "catdog.jpg"), "--out", str(tmp_path)]) == 0
    assert "2,042,040 anchors on the 728x561 image" in capsys.readouterr().out  # book §14.4.1: (1, 2042040, 4)


def test_a_picture_asked_into_a_folder_is_one_line_and_leaves_no_temporary(tmp_path, capsys):
    from PIL import Image

    from dive.cli.main import main

    Image.new("RGB", (64, 48), (90, 120, 30)).save(tmp_path / "p.png")
    folder = tmp_path / "out"
    folder.mkdir()
    assert main(["anchors", str(tmp_path / "p.png"), "--at=10,10", "--out", str(tmp_path / "a")]) == 0
    from dive.plot.figure import pyplot, save

    fig = pyplot().figure()
    try:
        save(fig, folder)
    except Exception as e:
        assert "is a folder" in str(e)
    assert list(folder.iterdir()) == [] and not list(tmp_path.glob(".*.tmp.png"))
