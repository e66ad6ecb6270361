"""CIFAR-10 (book §14.1.2): 50,000 training and 10,000 test colour images of 32x32 in 10 classes.

Not obtainable here (MANIFEST: full CIFAR-10 is missing), so `augmentation` trains on the Kaggle tiny set by
default; a user who has the archive runs the book's experiment with `--data ROOT` (ROOT/cifar-10-batches-py or
ROOT/cifar-10-batches-bin, or the archive itself, checked by sha256, downloadable from its canonical URL).

Both of the dataset's own layouts are read:
- the python version: pickled dicts {b"data": uint8 (10000, 3072), b"labels": [...]}, read with an unpickler
  that refuses every global but the numpy array constructors, so a doctored file cannot run code;
- the binary version: records of 1 label byte + 3,072 pixel bytes (red, green, blue planes, row-major).
"""

from __future__ import annotations

import io
import os
import pickle
import tarfile
from pathlib import Path

import numpy as np
import torch

from dive.core import DiveError
from dive.data.catalog import CIFAR10
from dive.data.files import inside, search_dirs, sha256_of
from dive.data.images import ImageSet

CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
TRAIN_PY = tuple(f"data_batch_{i}" for i in range(1, 6))
_ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
            ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
            ("numpy._core.multiarray", "scalar")}  # fmt: skip


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED:
            raise DiveError(f"refusing a CIFAR-10 batch that asks to load {module}.{name} (not plain data)")
        return super().find_class(module, name)


def read_python_batch(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """One pickled batch -> images uint8 (N, 3, 32, 32), labels int64 (N,)."""
    d = _SafeUnpickler(io.BytesIO(raw), encoding="bytes").load()
    data = np.asarray(d[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
    return data, np.asarray(d[b"labels"], dtype=np.int64)


def read_binary_batch(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """One .bin batch (records of 1 + 3072 bytes) -> images uint8 (N, 3, 32, 32), labels int64 (N,)."""
    if len(raw) % 3073:
        raise DiveError(f"a CIFAR-10 .bin batch is a multiple of 3073 bytes, got {len(raw)}")
    rec = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3073)
    return rec[:, 1:].reshape(-1, 3, 32, 32).copy(), rec[:, 0].astype(np.int64)


def _sets(batches: dict[str, bytes], python: bool) -> tuple[ImageSet, ImageSet]:
    read = read_python_batch if python else read_binary_batch
    names = (TRAIN_PY, "test_batch") if python else (tuple(f"data_batch_{i}.bin" for i in range(1, 6)),
                                                     "test_batch.bin")  # fmt: skip
    parts = [read(batches[n]) for n in names[0]]
    test = read(batches[names[1]])
    train = ImageSet(torch.from_numpy(np.concatenate([p[0] for p in parts])),
                     torch.from_numpy(np.concatenate([p[1] for p in parts])))  # fmt: skip
    return train, ImageSet(torch.from_numpy(test[0]), torch.from_numpy(test[1]))


def load_cifar10_folder(d: Path) -> tuple[ImageSet, ImageSet]:
    """An extracted cifar-10-batches-py or cifar-10-batches-bin folder -> (train, test)."""
    python = (d / "test_batch").is_file()
    names = [*TRAIN_PY, "test_batch"] if python else [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
    missing = [n for n in names if not (d / n).is_file()]
    if missing:
        raise DiveError(f"{d} lacks {', '.join(missing)}")
    return _sets({n: inside(d, n).read_bytes() for n in names}, python)


def load_cifar10(root: str | os.PathLike | None = None) -> tuple[ImageSet, ImageSet]:
    """(train, test): an extracted folder under a data root, else the python archive (sha256-checked, read in
    place without extracting); DiveError naming where it looked when there is neither."""
    looked = []
    for _, d in search_dirs(CIFAR10, root):
        for sub in ("cifar-10-batches-py", "cifar-10-batches-bin"):
            if (d / sub).is_dir():
                return load_cifar10_folder(d / sub)
        archive = d / CIFAR10.files[0].name
        if archive.is_file():
            if sha256_of(archive) != CIFAR10.files[0].sha256:
                raise DiveError(f"{archive} does not match its sha256: a partial or different download")
            with tarfile.open(archive, "r:gz") as tar:
                batches = {Path(m.name).name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
            return _sets(batches, True)
        looked.append(str(d))
    raise DiveError(f"CIFAR-10 is not here (looked in {', '.join(looked) or 'no data root'}); get "
                    f"{CIFAR10.files[0].url} or run the quick profile, which uses the Kaggle tiny set")  # fmt: skip
