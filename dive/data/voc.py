"""Pascal VOC XML annotations (the format of Pascal VOC itself, book §14.9, and of the raccoon set), read safely.

One XML file per image: its <size> (width, height) and one <object> per box, <name> and <bndbox> with xmin, ymin,
xmax, ymax in pixels. Parsed with defusedxml, which refuses entity expansion (a "billion laughs" file cannot
blow up memory) and external entities. Checks, each one line naming the file:
- a missing or non-numeric field, x2 <= x1 or y2 <= y1: an error (the target would be silently wrong);
- a box that reaches past the image: clipped to it, with a warning (VOC coordinates are 1-based and annotators
  overshoot by a pixel; clipping is what the user wants);
- no <object> at all: the image is returned with no boxes, and a loader that needs boxes drops it with a warning.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from dive.core import DiveError


class AnnotationError(DiveError):
    """A VOC annotation that cannot be read or describes an impossible box."""


@dataclass(frozen=True)
class VocObject:
    name: str
    box: tuple[float, float, float, float]  # pixels (x1, y1, x2, y2)
    difficult: bool = False


@dataclass(frozen=True)
class VocAnnotation:
    filename: str
    width: int
    height: int
    objects: list[VocObject] = field(default_factory=list)


def _number(node, tag: str, path: Path) -> float:
    child = node.find(tag)
    if child is None or child.text is None:
        raise AnnotationError(f"{path}: <{tag}> missing")
    try:
        return float(child.text)
    except ValueError:
        raise AnnotationError(f"{path}: <{tag}> is {child.text!r}, not a number") from None


def read_voc(path: str | os.PathLike) -> VocAnnotation:
    """Parse one VOC XML file (see the module docstring for what is checked)."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    path = Path(path)
    try:
        root = ElementTree.parse(path).getroot()
    except (DefusedXmlException, ElementTree.ParseError, OSError) as e:
        raise AnnotationError(f"{path}: not a readable VOC annotation ({type(e).__name__}: {e})") from None
    size = root.find("size")
    if size is None:
        raise AnnotationError(f"{path}: <size> missing")
    width, height = int(_number(size, "width", path)), int(_number(size, "height", path))
    if width <= 0 or height <= 0:
        raise AnnotationError(f"{path}: image size {width}x{height}")
    objects = []
    for obj in root.iter("object"):
        bb = obj.find("bndbox")
        if bb is None:
            raise AnnotationError(f"{path}: an <object> without <bndbox>")
        x1, y1, x2, y2 = (_number(bb, t, path) for t in ("xmin", "ymin", "xmax", "ymax"))
        if x2 <= x1 or y2 <= y1:
            raise AnnotationError(f"{path}: box ({x1:g}, {y1:g}, {x2:g}, {y2:g}) has x2 <= x1 or y2 <= y1")
        clipped = (max(x1, 0.0), max(y1, 0.0), min(x2, float(width)), min(y2, float(height)))
        if clipped != (x1, y1, x2, y2):
            if clipped[2] <= clipped[0] or clipped[3] <= clipped[1]:
                raise AnnotationError(
                    f"{path}: box ({x1:g}, {y1:g}, {x2:g}, {y2:g}) lies outside the {width}x{height} image"
                )
            warnings.warn(
                f"{path}: box ({x1:g}, {y1:g}, {x2:g}, {y2:g}) clipped to the {width}x{height} image", stacklevel=2
            )
        name = obj.findtext("name", default="").strip()
        difficult = obj.findtext("difficult", default="0").strip() == "1"
        objects.append(VocObject(name, clipped, difficult))
    filename = root.findtext("filename", default=path.with_suffix(".jpg").name).strip()
    return VocAnnotation(filename, width, height, objects)
