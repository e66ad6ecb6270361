"""Dataset folders give only their own files: links out of the folder, absolute and `..` entries are refused
(issue 28: a link in an extracted aclImdb/ put /etc/passwd into a run's vocab.json)."""

import os

import pytest
import torch

from dive.core import DiveError
from dive.data.files import inside


def test_inside_refuses_links_out_absolute_and_parent_entries(tmp_path):
    root = tmp_path / "set"
    (root / "a").mkdir(parents=True)
    (root / "a" / "ok.txt").write_text("ok")
    (root / "a" / "here.txt").symlink_to(root / "a" / "ok.txt")  # a link that stays inside is fine
    (root / "a" / "away.txt").symlink_to("/etc/hostname")
    assert inside(root, "a/ok.txt").read_text() == "ok" and inside(root, "a/here.txt").read_text() == "ok"
    for entry in ("a/away.txt", "/etc/hostname", "../set/a/ok.txt", "a/../../x"):
        with pytest.raises(DiveError, match="outside the dataset folder"):
            inside(root, entry)


def test_an_extracted_imdb_folder_with_a_link_out_is_refused(tmp_path):
    from dive.data.imdb import read_imdb_folder

    root = tmp_path / "aclImdb"
    for split in ("train", "test"):
        for label in ("pos", "neg"):
            (root / split / label).mkdir(parents=True)
            (root / split / label / "1_7.txt").write_text("a fine film" if label == "pos" else "a dull film")
    os.symlink("/etc/passwd", root / "train" / "pos" / "100_9.txt")
    with pytest.raises(DiveError, match="outside the dataset folder"):
        read_imdb_folder(root)


def test_a_voc_annotation_naming_a_file_outside_is_refused(tmp_path):
    from PIL import Image

    from dive.data.detection import load_voc_folder

    (tmp_path / "images").mkdir()
    (tmp_path / "annotations").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "secret.jpg")
    xml = ("<annotation><filename>{}</filename><size><width>8</width><height>8</height></size><object><name>"
           "raccoon</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object>"
           "</annotation>")  # fmt: skip
    for name in (str(tmp_path / "secret.jpg"), "../secret.jpg"):
        (tmp_path / "annotations" / "r1.xml").write_text(xml.format(name))
        with pytest.raises(DiveError, match="outside the dataset folder"):
            load_voc_folder(tmp_path / "images", tmp_path / "annotations", ["r1"], ("raccoon",), (8, 8))


def test_class_folders_with_a_link_out_are_refused(tmp_path):
    from PIL import Image

    from dive.data.image_folders import load_class_folders

    (tmp_path / "set" / "cat").mkdir(parents=True)
    Image.new("RGB", (8, 8)).save(tmp_path / "outside.png")
    Image.new("RGB", (8, 8)).save(tmp_path / "set" / "cat" / "1.png")
    assert load_class_folders(tmp_path / "set", (8, 8)).train.images.shape == torch.Size([1, 3, 8, 8])
    (tmp_path / "set" / "cat" / "2.png").symlink_to(tmp_path / "outside.png")
    with pytest.raises(DiveError, match="outside the dataset folder"):
        load_class_folders(tmp_path / "set", (8, 8))
