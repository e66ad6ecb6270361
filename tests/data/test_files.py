import hashlib
import io

import pytest

from dive.core import DiveError
from dive.data import ChecksumError, DataFile, DataNotFoundError, DatasetSpec, download, locate, search_dirs
from dive.data.files import download_dataset

CONTENT = b"hello dive\n"
SHA = hashlib.sha256(CONTENT).hexdigest()
SPEC = DatasetSpec("toy", "a toy dataset", (DataFile("a.txt", SHA, "https://example.invalid/a.txt"),))


def _put(root, content=CONTENT):
    d = root / "toy"
    d.mkdir(parents=True, exist_ok=True)
    (d / "a.txt").write_bytes(content)
    return d


def test_search_order_env_cache_system_and_an_explicit_root_is_the_only_place(tmp_path, monkeypatch):
    monkeypatch.setenv("DIVE_DATA", str(tmp_path / "env"))
    monkeypatch.setenv("DIVE_CACHE", str(tmp_path / "cache"))
    spec = DatasetSpec("toy", "", SPEC.files, system_dirs=(str(tmp_path / "sys"),))
    assert [label for label, _ in search_dirs(spec)] == ["$DIVE_DATA", "cache", "system"]
    assert [label for label, _ in search_dirs(spec, tmp_path / "explicit")] == ["explicit root"]
    _put(tmp_path / "cache")
    assert locate(spec) == tmp_path / "cache" / "toy"
    _put(tmp_path / "env")
    assert locate(spec) == tmp_path / "env" / "toy"
    with pytest.raises(DataNotFoundError, match="--data"):  # the env copy is there, but not where the user pointed
        locate(spec, tmp_path / "explicit")
    _put(tmp_path / "explicit")
    assert locate(spec, tmp_path / "explicit") == tmp_path / "explicit" / "toy"


def test_missing_dataset_names_every_place_and_how_to_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("DIVE_DATA", str(tmp_path / "env"))
    with pytest.raises(DataNotFoundError) as e:
        locate(SPEC)
    msg = str(e.value)
    assert "'toy' not found" in msg and str(tmp_path / "env" / "toy") in msg
    assert "DIVE_DATA" in msg and "dive data --download toy" in msg and "a.txt" in msg
    with pytest.raises(DataNotFoundError) as e:
        locate(SPEC, tmp_path / "explicit")
    msg = str(e.value)
    assert str(tmp_path / "explicit" / "toy") in msg and "no such folder" in msg and "drop --data" in msg
    assert "\n" not in msg and str(tmp_path / "env") not in msg


def test_corrupt_file_fails_with_both_hashes(tmp_path):
    _put(tmp_path, b"hello dive, truncated")
    with pytest.raises(ChecksumError) as e:
        locate(SPEC, tmp_path)
    assert SHA in str(e.value) and hashlib.sha256(b"hello dive, truncated").hexdigest() in str(e.value)


class FakeResponse(io.BytesIO):
    def __init__(self, data, status=200):
        super().__init__(data)
        self.status = status


def test_download_checks_hash_and_renames_atomically(tmp_path):
    calls = []

    def urlopen(url, timeout):
        calls.append(url)
        return FakeResponse(CONTENT)

    path = download(SPEC.files[0], tmp_path, urlopen=urlopen)
    assert path.read_bytes() == CONTENT and calls == ["https://example.invalid/a.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


@pytest.mark.parametrize("response", [FakeResponse(b"tampered"), FakeResponse(CONTENT, status=404)])
def test_failed_download_leaves_nothing_behind(tmp_path, response):
    with pytest.raises(Exception) as e:
        download(SPEC.files[0], tmp_path, urlopen=lambda url, timeout: response)
    assert "sha256" in str(e.value) or "404" in str(e.value)
    assert list(tmp_path.iterdir()) == []


def test_download_refuses_plain_http(tmp_path):
    f = DataFile("a.txt", SHA, "http://example.invalid/a.txt")
    with pytest.raises(Exception, match="only https"):
        download(f, tmp_path, urlopen=lambda url, timeout: FakeResponse(CONTENT))


def test_download_dataset_verifies_existing_files_without_fetching(tmp_path):
    _put(tmp_path)
    assert download_dataset(SPEC, tmp_path) == tmp_path / "toy"


def test_download_extracts_a_member_of_a_zip_archive(tmp_path):
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("fra-eng/fra.txt", "Go.\tVa !\n")
        zf.writestr("fra-eng/_about.txt", "about")
    member = b"Go.\tVa !\n"
    f = DataFile(
        "fra.txt", hashlib.sha256(member).hexdigest(), "https://example.invalid/x.zip", member="fra-eng/fra.txt"
    )
    path = download(f, tmp_path, urlopen=lambda url, timeout: FakeResponse(buf.getvalue()))
    assert path.read_bytes() == member and sorted(p.name for p in tmp_path.iterdir()) == ["fra.txt"]
    missing = DataFile("fra.txt", f.sha256, f.url, member="nope.txt")
    with pytest.raises(DiveError, match="nope.txt"):
        download(missing, tmp_path / "b", urlopen=lambda url, timeout: FakeResponse(buf.getvalue()))
    assert not (tmp_path / "b").exists()  # the folder the failed download made is gone too


def test_a_gzip_with_a_damaged_body_is_named_and_the_listing_goes_on(tmp_path, monkeypatch, capsys):
    import gzip as gz

    from dive.cli.main import main

    good = gz.compress(b"x" * 5000)
    damaged = good[:20] + bytes(b ^ 0x55 for b in good[20:-8]) + good[-8:]  # header intact, body not
    spec = DatasetSpec("toy", "", (DataFile("a.gz", "0" * 64, "https://example.invalid/a.gz",
                                            raw_sha256=hashlib.sha256(b"x" * 5000).hexdigest()),))  # fmt: skip
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "a.gz").write_bytes(damaged)
    with pytest.raises(ChecksumError, match="a.gz"):
        locate(spec, tmp_path)
    import dive.data
    import dive.recipes  # noqa: F401  (registered before the catalog is swapped)

    monkeypatch.setattr(dive.data, "DATASETS", {"toy": spec, "other": SPEC})
    assert main(["data", "--data", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("toy") and "BAD" in out[0] and "a.gz" in out[0] and out[1].startswith("other")


def test_a_tree_mismatch_names_the_first_file_that_changed(tmp_path, monkeypatch):
    from dive.data.files import tree_digest, verify_tree

    monkeypatch.setenv("DIVE_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "set"
    (folder / "images").mkdir(parents=True)
    for i in range(3):
        (folder / "images" / f"{i}.jpg").write_bytes(bytes([i]) * 10)
    spec = DatasetSpec("trees", "", (), layout=("images",), tree_sha256=tree_digest(folder))
    verify_tree(folder, spec)  # matches: its per-file hashes are kept
    (folder / "images" / "1.jpg").write_bytes(b"\x01" * 9 + b"\x02")  # the same length, one byte
    with pytest.raises(ChecksumError, match=r"first difference: ./images/1.jpg \(changed, 1 file"):
        verify_tree(folder, spec)
