"""Segmentation data: the CamVid (SegNet) layout and the book's VOC2012 layout, on fixtures the tests write."""

import numpy as np
import pytest
import torch
from PIL import Image

from dive.core import DiveError
from dive.data.segmentation import (
    IGNORE,
    VOC_COLORMAP,
    colors_to_classes,
    load_camvid_split,
    load_voc_segmentation,
    voc_rand_crop,
)


def _camvid(tmp_path, label_value=3, n=2):
    for split in ("train",):
        (tmp_path / split).mkdir()
        (tmp_path / f"{split}annot").mkdir()
        lines = []
        for i in range(n):
            Image.new("RGB", (48, 36), (10 * i, 20, 30)).save(tmp_path / split / f"f{i}.png")
            lab = np.full((36, 48), label_value, dtype=np.uint8)
            lab[:4] = 11  # unlabelled
            Image.fromarray(lab, mode="L").save(tmp_path / f"{split}annot" / f"f{i}.png")
            lines.append(f"/SegNet/CamVid/{split}/f{i}.png /SegNet/CamVid/{split}annot/f{i}.png")
        (tmp_path / f"{split}.txt").write_text("\n".join(lines) + "\n")
    return tmp_path


def test_camvid_split_reads_frames_and_marks_unlabelled_pixels_ignored(tmp_path):
    s = load_camvid_split(_camvid(tmp_path), "train", size=(32, 64))
    assert s.images.shape == (2, 3, 32, 64) and s.labels.shape == (2, 32, 64) and s.labels.dtype == torch.uint8
    assert set(s.labels.unique().tolist()) == {3, IGNORE}  # nearest-neighbour resize: no class is averaged


def test_camvid_refuses_an_unknown_class_index_and_a_missing_list(tmp_path):
    with pytest.raises(DiveError, match="class index 40"):
        load_camvid_split(_camvid(tmp_path, label_value=40), "train")
    with pytest.raises(DiveError, match="val.txt"):
        load_camvid_split(tmp_path, "val")


def _voc(tmp_path, sizes=((60, 80), (20, 30)), bad_colour=False):
    for d in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        (tmp_path / d).mkdir(parents=True)
    stems = []
    for i, (h, w) in enumerate(sizes):
        stem = f"2007_{i:06d}"
        Image.new("RGB", (w, h), (100, 50, 25)).save(tmp_path / "JPEGImages" / f"{stem}.jpg")
        lab = np.zeros((h, w, 3), dtype=np.uint8)
        lab[: h // 2] = VOC_COLORMAP[12]  # dog
        lab[h // 2, :] = (224, 224, 192)  # the border colour
        if bad_colour:
            lab[0, 0] = (1, 2, 3)
        Image.fromarray(lab).save(tmp_path / "SegmentationClass" / f"{stem}.png")
        stems.append(stem)
    (tmp_path / "ImageSets/Segmentation/train.txt").write_text("\n".join(stems))
    return tmp_path


def test_voc_layout_maps_colours_crops_and_drops_small_images(tmp_path):
    s = load_voc_segmentation(_voc(tmp_path), "train", crop=(40, 48))
    assert len(s) == 1  # the 20x30 image is smaller than the crop: dropped, as the book's filter does
    assert s.images.shape == (1, 3, 40, 48) and set(s.labels.unique().tolist()) <= {0, 12, IGNORE}


def test_voc_refuses_a_colour_that_is_no_class(tmp_path):
    with pytest.raises(DiveError, match=r"colour \(1, 2, 3\) is not a class colour"):
        load_voc_segmentation(_voc(tmp_path, bad_colour=True), "train", crop=(10, 10))
    rgb = torch.tensor(VOC_COLORMAP[:3], dtype=torch.uint8).view(1, 3, 3)
    assert colors_to_classes(rgb, VOC_COLORMAP).tolist() == [[0, 1, 2]]


def test_rand_crop_cuts_image_and_label_alike():
    image = torch.arange(2 * 6 * 8).reshape(2, 6, 8)
    label = image[0].clone()
    a, b = voc_rand_crop(image, label, 3, 4, torch.Generator().manual_seed(0))
    assert a.shape == (2, 3, 4) and torch.equal(a[0], b)
