"""IMDb (book §16.1) read from its archive: the layout, refused members, bad bytes, the cache, the book's tokens."""

import io
import tarfile

import pytest
import torch

from dive.core import DiveError
from dive.data.imdb import (
    build_arrays,
    check_member,
    load_imdb,
    read_imdb_archive,
    read_imdb_folder,
    tokenize_review,
    truncate_pad,
)

REVIEWS = {
    "aclImdb/train/pos/0_9.txt": b"A great film.\nGreat acting",
    "aclImdb/train/neg/1_2.txt": b"bad bad film",
    "aclImdb/train/neg/0_1.txt": b"so bad \xff\xfe film",  # not UTF-8
    "aclImdb/test/pos/3_10.txt": b"great great",
    "aclImdb/test/neg/4_3.txt": b"a bad one",
    "aclImdb/train/unsup/5_0.txt": b"no label",  # the book's archive has these: skipped
    "aclImdb/README": b"readme",
}


def write_archive(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_the_archive_reads_both_splits_with_labels_and_counts_bad_bytes(tmp_path):
    splits = read_imdb_archive(write_archive(tmp_path / "a.tar.gz", REVIEWS))
    train, test = splits["train"], splits["test"]
    assert train.labels == [1, 0, 0] and test.labels == [1, 0]  # positives first, then by id
    assert train.texts[0] == "A great film.\nGreat acting" and "\ufffd" in train.texts[1]
    assert train.replaced == 1 and test.replaced == 0


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/passwd", "aclImdb/../../x/train/pos/1_1.txt", "C:/x.txt"])
def test_members_outside_the_archive_folder_are_refused(tmp_path, name):
    with pytest.raises(DiveError, match="refusing archive member"):
        check_member(name)
    with pytest.raises(DiveError, match="refusing archive member"):
        read_imdb_archive(write_archive(tmp_path / "evil.tar.gz", {**REVIEWS, name: b"x"}))
    check_member("aclImdb/train/pos/1_1.txt")  # an ordinary member passes


def test_an_extracted_folder_reads_the_same(tmp_path):
    for name, data in REVIEWS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    folder = read_imdb_folder(tmp_path / "aclImdb")
    archive = read_imdb_archive(write_archive(tmp_path / "a.tar.gz", REVIEWS))
    assert folder["train"] == archive["train"] and folder["test"] == archive["test"]


def test_a_broken_or_empty_archive_is_one_clear_error(tmp_path):
    (tmp_path / "junk.tar.gz").write_bytes(b"not a tar file")
    with pytest.raises(DiveError, match="cannot read the IMDb archive"):
        read_imdb_archive(tmp_path / "junk.tar.gz")
    with pytest.raises(DiveError, match="no train/pos or train/neg reviews"):
        read_imdb_archive(write_archive(tmp_path / "e.tar.gz", {"aclImdb/README": b"x"}))


def test_the_books_tokens_vocab_and_truncate_pad(tmp_path):
    assert tokenize_review("A great film.\nGreat acting<br /><br />ok") == ["A", "great", "film.Great", "acting<br",
                                                                           "/><br", "/>ok"]  # fmt: skip
    assert truncate_pad([5, 6, 7], 5, 1) == [5, 6, 7, 1, 1] and truncate_pad([5, 6, 7], 2, 1) == [5, 6]
    arrays = build_arrays(read_imdb_archive(write_archive(tmp_path / "a.tar.gz", REVIEWS)), num_steps=4, min_freq=2)
    assert arrays.vocab.idx_to_token == ["<unk>", "<pad>", "bad", "film"]  # seen twice+ in *training* reviews
    X, lengths, y = arrays.test
    assert X.tolist() == [[0, 0, 1, 1], [0, 2, 0, 1]] and lengths.tolist() == [2, 3] and y.tolist() == [1, 0]


def test_load_imdb_caches_the_arrays_by_the_archive(tmp_path, monkeypatch):
    root = tmp_path / "data"
    (root / "aclImdb").mkdir(parents=True)
    write_archive(root / "aclImdb" / "aclImdb_v1.tar.gz", REVIEWS)  # the book's archive name: found by layout
    first = load_imdb(root, num_steps=6, min_freq=1)
    import dive.data.imdb as imdb

    def no_reading(path):
        raise AssertionError("the archive was read again")

    monkeypatch.setattr(imdb, "read_imdb_archive", no_reading)
    second = load_imdb(root, num_steps=6, min_freq=1)  # from the cache
    with pytest.raises(AssertionError, match="read again"):
        load_imdb(root, num_steps=7, min_freq=1)  # other settings: another key
    assert all(torch.equal(a, b) for a, b in zip(first.train + first.test, second.train + second.test))
    assert first.vocab.idx_to_token == second.vocab.idx_to_token and second.replaced == 1


@pytest.mark.slow
def test_the_real_archive_gives_the_books_counts(data_root):
    arrays = load_imdb(data_root)
    assert arrays.train[0].shape == (25000, 500) and arrays.test[0].shape == (25000, 500)
    assert int(arrays.train[2].sum()) == 12500 and int(arrays.test[2].sum()) == 12500
    assert abs(len(arrays.vocab) - 49346) <= 1  # the book prints 49,346 words with <unk> and <pad>


def test_a_member_far_larger_than_a_review_is_refused_before_it_is_read(tmp_path):
    """A 300 KB archive can hold one 300 MB member: refused from its header, nothing decompressed or cached."""
    huge = tmp_path / "huge.tar.gz"
    with tarfile.open(huge, "w:gz") as tar:
        info = tarfile.TarInfo("aclImdb/train/pos/9_9.txt")
        info.size = 300 << 20
        tar.addfile(info, io.BytesIO(bytes(300 << 20)))  # zeros: a few hundred KB compressed
    assert huge.stat().st_size < 1 << 20
    with pytest.raises(DiveError, match="more than a review"):
        read_imdb_archive(huge)


def test_a_read_only_cache_falls_back_to_memory(tmp_path, monkeypatch):
    import safetensors.torch

    root = tmp_path / "data"
    (root / "aclImdb").mkdir(parents=True)
    write_archive(root / "aclImdb" / "aclImdb_v1.tar.gz", REVIEWS)

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")  # what a read-only cache answers (root could write anywhere)

    monkeypatch.setattr(safetensors.torch, "save_file", read_only)
    arrays = load_imdb(root, num_steps=6, min_freq=1)
    assert arrays.train[0].shape == (3, 6)
