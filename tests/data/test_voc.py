"""Pascal VOC annotations read safely, and the real raccoon set in its own 160/40 split."""

import warnings

import pytest
import torch
from PIL import Image

from dive.core import DiveError
from dive.data import locate
from dive.data.catalog import RACCOON
from dive.data.detection import box_labels, load_raccoon, load_voc_folder
from dive.data.files import tree_digest
from dive.data.voc import AnnotationError, read_voc

XML = """<annotation><filename>{stem}.jpg</filename><size><width>40</width><height>20</height><depth>3</depth></size>
{objects}</annotation>"""
OBJ = "<object><name>{name}</name><difficult>0</difficult><bndbox><xmin>{0}</xmin><ymin>{1}</ymin><xmax>{2}</xmax>" \
      "<ymax>{3}</ymax></bndbox></object>"  # fmt: skip


def _write(tmp_path, stem, boxes, name="raccoon"):
    (tmp_path / "annotations").mkdir(exist_ok=True)
    (tmp_path / "images").mkdir(exist_ok=True)
    objects = "".join(OBJ.format(*b, name=name) for b in boxes)
    path = tmp_path / "annotations" / f"{stem}.xml"
    path.write_text(XML.format(stem=stem, objects=objects))
    Image.new("RGB", (40, 20), (200, 10, 10)).save(tmp_path / "images" / f"{stem}.jpg")
    return path


def test_a_voc_file_is_read_and_a_box_past_the_edge_is_clipped_with_a_warning(tmp_path):
    ann = read_voc(_write(tmp_path, "a", [(2, 3, 10, 12)]))
    assert (ann.width, ann.height) == (40, 20) and ann.objects[0].box == (2, 3, 10, 12)
    with pytest.warns(UserWarning, match="clipped to the 40x20 image"):
        ann = read_voc(_write(tmp_path, "b", [(-1, 3, 41, 12)]))
    assert ann.objects[0].box == (0, 3, 40, 12)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (XML.format(stem="c", objects=OBJ.format(10, 3, 5, 12, name="raccoon")), "x2 <= x1"),
        (XML.format(stem="c", objects=OBJ.format(50, 3, 60, 12, name="raccoon")), "lies outside the 40x20 image"),
        (XML.format(stem="c", objects=OBJ.format("ten", 3, 5, 12, name="raccoon")), "<xmin> is 'ten'"),
        ("<annotation><object><bndbox/></object></annotation>", "<size> missing"),
        ("<annotation", "not a readable VOC annotation"),
        ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><annotation>&b;</annotation>',
         "not a readable VOC annotation"),  # entity expansion is refused
    ],
)  # fmt: skip
def test_bad_annotations_are_one_clear_line(tmp_path, content, message):
    path = tmp_path / "bad.xml"
    path.write_text(content)
    with pytest.raises(AnnotationError, match=message) as e:
        read_voc(path)
    assert "\n" not in str(e.value) and str(path) in str(e.value)


def test_a_voc_folder_becomes_relative_padded_box_labels_and_empty_images_are_dropped(tmp_path):
    _write(tmp_path, "one", [(4, 2, 20, 10)])
    _write(tmp_path, "two", [(0, 0, 40, 20), (10, 5, 30, 15)])
    _write(tmp_path, "none", [])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = load_voc_folder(
            tmp_path / "images", tmp_path / "annotations", ["one", "two", "none"], ["raccoon"], (10, 20)
        )
    assert any("no box: image dropped" in str(w.message) for w in caught)
    assert s.images.shape == (2, 3, 10, 20) and s.labels.shape == (2, 2, 5)
    torch.testing.assert_close(s.labels[0], torch.tensor([[0, 0.1, 0.1, 0.5, 0.5], [-1, -1, -1, -1, -1]]))
    torch.testing.assert_close(s.labels[1, 1], torch.tensor([0, 0.25, 0.25, 0.75, 0.75]))
    _write(tmp_path, "dog", [(1, 1, 5, 5)], name="dog")
    with pytest.raises(DiveError, match="class 'dog' is not one of"):
        load_voc_folder(tmp_path / "images", tmp_path / "annotations", ["dog"], ["raccoon"], (10, 20))
    assert box_labels([[], []]).shape == (2, 1, 5)


@pytest.mark.slow
def test_the_real_raccoon_set_in_its_160_40_split(data_root):
    d = locate(RACCOON, data_root)
    assert tree_digest(d) == RACCOON.tree_sha256
    train, valid = load_raccoon(data_root, size=(128, 128))
    assert train.images.shape == (160, 3, 128, 128) and valid.images.shape == (40, 3, 128, 128)
    boxes = torch.cat([train.labels.reshape(-1, 5), valid.labels.reshape(-1, 5)])
    real = boxes[boxes[:, 0] >= 0]
    assert len(real) == 217 and (real[:, 0] == 0).all()
    assert (real[:, 1:] >= 0).all() and (real[:, 1:] <= 1).all() and (real[:, 3] > real[:, 1]).all()
