import gzip
import struct

import pytest
import torch

from dive.core import DiveError
from dive.data import FASHION_MNIST, TEXT_LABELS, ImageBatch, load_fashion_mnist, read_idx, text_labels, verify_file


def _write_idx(path, array: torch.Tensor, magic=None, lie_about=None):
    dims = list(array.shape) if lie_about is None else lie_about
    magic = magic if magic is not None else (2051 if array.dim() == 3 else 2049)
    header = struct.pack(">I", magic) + struct.pack(f">{len(dims)}I", *dims)
    with gzip.open(path, "wb") as f:
        f.write(header + array.to(torch.uint8).numpy().tobytes())


def test_read_idx_images_and_labels(tmp_path):
    images = torch.randint(0, 256, (5, 28, 28), dtype=torch.uint8)
    labels = torch.tensor([0, 9, 3, 3, 1], dtype=torch.uint8)
    _write_idx(tmp_path / "i.gz", images)
    _write_idx(tmp_path / "l.gz", labels)
    assert torch.equal(read_idx(tmp_path / "i.gz"), images)
    assert torch.equal(read_idx(tmp_path / "l.gz"), labels)


def test_read_idx_rejects_bad_magic_and_wrong_counts(tmp_path):
    x = torch.zeros(4, 28, 28, dtype=torch.uint8)
    _write_idx(tmp_path / "bad.gz", x, magic=1234)
    with pytest.raises(DiveError, match="magic"):
        read_idx(tmp_path / "bad.gz")
    _write_idx(tmp_path / "short.gz", x, lie_about=[5, 28, 28])
    with pytest.raises(DiveError, match="header says"):
        read_idx(tmp_path / "short.gz")


def test_image_batch_scales_resizes_and_normalises():
    x = torch.full((2, 28, 28), 255, dtype=torch.uint8)
    out = ImageBatch()(x)
    assert out.shape == (2, 1, 28, 28) and out.dtype == torch.float32 and torch.all(out == 1.0)
    assert ImageBatch(resize=32)(x).shape == (2, 1, 32, 32)
    assert torch.allclose(ImageBatch(mean=0.5, std=0.5)(x), torch.ones(2, 1, 28, 28))


@pytest.mark.gpu
def test_image_batch_on_the_gpu_equals_the_cpu():
    x = torch.randint(0, 256, (4, 28, 28), dtype=torch.uint8)
    on_gpu = ImageBatch(resize=96, device="cuda")(x)
    assert on_gpu.device.type == "cuda"
    torch.testing.assert_close(on_gpu.cpu(), ImageBatch(resize=96)(x), atol=1e-5, rtol=1e-5)


def test_text_labels():
    assert text_labels([0, 9]) == ["t-shirt", "ankle boot"] and len(TEXT_LABELS) == 10


def test_gzip_recompressed_copy_is_accepted_by_raw_hash(tmp_path):
    """Debian ships the same idx bytes re-gzipped: the declared raw_sha256 accepts such a copy."""
    raw = b"\x00\x00\x08\x01\x00\x00\x00\x01\x07"
    import hashlib

    from dive.data import DataFile

    f = DataFile("x.gz", "0" * 64, "https://example.invalid/x.gz", raw_sha256=hashlib.sha256(raw).hexdigest())
    with gzip.open(tmp_path / "x.gz", "wb", compresslevel=1) as out:
        out.write(raw)
    verify_file(tmp_path / "x.gz", f)  # does not raise


@pytest.mark.slow
def test_real_fashion_mnist(data_root):
    train, test = load_fashion_mnist(data_root)
    assert train.images.shape == (60000, 28, 28) and test.images.shape == (10000, 28, 28)
    assert train.images.dtype == torch.uint8
    assert torch.equal(torch.bincount(train.labels), torch.full((10,), 6000))
    assert torch.equal(torch.bincount(test.labels), torch.full((10,), 1000))
    assert train.labels[:5].tolist() == [9, 0, 0, 3, 0]  # the published first labels
    for f in FASHION_MNIST.files:
        verify_file(data_root / "fashion-mnist" / f.name, f)


def test_decompressed_copy_is_kept_under_the_cache_and_reread(tmp_path, monkeypatch):
    import hashlib

    monkeypatch.setenv("DIVE_CACHE", str(tmp_path / "cache"))
    images = torch.randint(0, 256, (7, 28, 28), dtype=torch.uint8)
    _write_idx(tmp_path / "i.gz", images)
    raw = gzip.open(tmp_path / "i.gz").read()
    digest = hashlib.sha256(raw).hexdigest()
    assert torch.equal(read_idx(tmp_path / "i.gz", digest), images)
    (copy,) = (tmp_path / "cache" / "decompressed").iterdir()
    assert copy.read_bytes() == raw
    (tmp_path / "i.gz").write_bytes(b"not read again")  # the copy is what the next read uses
    assert torch.equal(read_idx(tmp_path / "i.gz", digest), images)
    copy.write_bytes(b"\x00\x00\x08\x03damaged")  # a damaged copy: the original is read and the copy rewritten
    _write_idx(tmp_path / "i.gz", images)
    assert torch.equal(read_idx(tmp_path / "i.gz", digest), images)
    assert copy.read_bytes() == raw


def test_no_copy_of_bytes_that_do_not_match_the_hash(tmp_path, monkeypatch):
    monkeypatch.setenv("DIVE_CACHE", str(tmp_path / "cache"))
    images = torch.zeros(3, 28, 28, dtype=torch.uint8)
    _write_idx(tmp_path / "i.gz", images)
    assert torch.equal(read_idx(tmp_path / "i.gz", "0" * 64), images)
    assert not (tmp_path / "cache" / "decompressed").exists()


def test_a_cached_copy_edited_in_place_is_not_trusted(tmp_path, monkeypatch):
    """A same-length edit of the cached labels (the hostile try-out trained to test acc 0.078 on one) is caught
    by the hash and the copy re-derived from the archive."""
    import hashlib

    monkeypatch.setenv("DIVE_CACHE", str(tmp_path / "cache"))
    labels = torch.arange(10, dtype=torch.uint8)
    _write_idx(tmp_path / "l.gz", labels)
    digest = hashlib.sha256(gzip.open(tmp_path / "l.gz").read()).hexdigest()
    read_idx(tmp_path / "l.gz", digest)
    (copy,) = (tmp_path / "cache" / "decompressed").iterdir()
    edited = bytearray(copy.read_bytes())
    edited[-1] = (edited[-1] + 1) % 10  # the same length, one label changed
    copy.write_bytes(bytes(edited))
    assert torch.equal(read_idx(tmp_path / "l.gz", digest), labels)
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == digest  # rewritten
