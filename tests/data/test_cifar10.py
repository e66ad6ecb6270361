"""CIFAR-10's own two layouts, on fixtures written here (the real archive is not obtainable): python pickles read
safely, binary records, and one-line refusals."""

import os
import pickle

import numpy as np
import pytest

from dive.core import DiveError
from dive.data.cifar10 import TRAIN_PY, load_cifar10, load_cifar10_folder, read_python_batch


def _python_folder(d, n=4):
    d.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in (*TRAIN_PY, "test_batch"):
        batch = {b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), b"labels": list(range(n))}
        (d / name).write_bytes(pickle.dumps(batch))
    return d


def test_python_layout_reads_images_channel_first(tmp_path):
    train, test = load_cifar10_folder(_python_folder(tmp_path / "cifar-10-batches-py"))
    assert train.images.shape == (20, 3, 32, 32) and test.images.shape == (4, 3, 32, 32)
    raw = pickle.loads((tmp_path / "cifar-10-batches-py" / "test_batch").read_bytes())[b"data"]
    assert test.images[1, 2, 0, 5] == raw[1, 2 * 1024 + 5]  # plane 2 (blue), row 0, column 5
    assert train.labels.tolist()[:4] == [0, 1, 2, 3]


def test_binary_layout_and_the_data_root_search(tmp_path):
    d = tmp_path / "cifar10" / "cifar-10-batches-bin"
    d.mkdir(parents=True)
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        rec = np.zeros((3, 3073), dtype=np.uint8)
        rec[:, 0] = [7, 8, 9]
        rec[:, 1] = 200
        (d / name).write_bytes(rec.tobytes())
    train, test = load_cifar10(tmp_path)
    assert len(train) == 15 and test.labels.tolist() == [7, 8, 9] and int(test.images[0, 0, 0, 0]) == 200


class Payload:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_a_pickle_that_would_run_code_is_refused():
    with pytest.raises(DiveError, match="refusing a CIFAR-10 batch that asks to load"):
        read_python_batch(pickle.dumps({b"data": Payload(), b"labels": []}))


def test_a_missing_set_and_a_wrong_archive_are_one_line(tmp_path):
    with pytest.raises(DiveError, match="CIFAR-10 is not here .* quick profile"):
        load_cifar10(tmp_path)
    (tmp_path / "cifar10").mkdir()
    (tmp_path / "cifar10" / "cifar-10-python.tar.gz").write_bytes(b"not the archive")
    with pytest.raises(DiveError, match="does not match its sha256"):
        load_cifar10(tmp_path)
