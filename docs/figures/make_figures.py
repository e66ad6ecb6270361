"""Re-make the figures the documentation shows, from quick runs on real data (2 CPU cores: about 12 minutes):

    python docs/figures/make_figures.py [--only lenet,ssd-raccoon,fcn-camvid,transformer]

Each recipe runs with `dive run NAME --profile quick` into a temporary folder; the PNGs named below are copied to
docs/figures/NAME-FIGURE.png, scaled to at most 900 pixels wide, in 256 colours (a photo grid then weighs ~150 KB)."""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
FIGURES = {  # recipe -> the figures of its run folder the chapter pages show
    "lenet": ["curves", "confusion", "predictions"],
    "ssd-raccoon": ["detections"],
    "fcn-camvid": ["segmentation"],
    "transformer": ["attention"],
}


def shrink(src: Path, dst: Path, width: int = 900) -> None:
    with Image.open(src) as im:
        im = im.convert("RGB")
        if im.width > width:
            im = im.resize((width, round(im.height * width / im.width)), Image.LANCZOS)
        im.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.FLOYDSTEINBERG).save(dst, optimize=True)


def make(name: str, figures: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "dive", "run", name, "--profile", "quick", "--quiet", "--out", tmp]
        subprocess.run(cmd, check=True)
        for fig in figures:
            shrink(Path(tmp) / f"{fig}.png", HERE / f"{name}-{fig}.png")
        print(f"{name}: {', '.join(figures)}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", default="", help="comma-separated recipes (default: all)")
    names = [n for n in p.parse_args().only.split(",") if n] or list(FIGURES)
    for name in names:
        make(name, FIGURES[name])


if __name__ == "__main__":
    main()
