"""core.cache: entries named by a digest of their inputs, written whole or not at all."""

import pytest

from dive.core import build_once, key_digest, keyed_path


def test_the_key_names_the_entry_and_its_order_does_not_matter(tmp_path, monkeypatch):
    monkeypatch.setenv("DIVE_CACHE", str(tmp_path))
    assert key_digest({"a": 1, "b": [2]}) == key_digest({"b": [2], "a": 1}) != key_digest({"a": 2, "b": [2]})
    expected = tmp_path / "pretrained" / f"bert-{key_digest({'a': 1})}.x"
    assert keyed_path("pretrained", "bert", {"a": 1}, ".x") == expected


def test_build_once_makes_a_folder_once_and_a_failure_leaves_nothing(tmp_path):
    calls = []

    def make(tmp):
        calls.append(tmp)
        tmp.mkdir()
        (tmp / "weights").write_text("w")

    entry = tmp_path / "entry"
    assert build_once(entry, make) == entry and build_once(entry, make) == entry
    assert len(calls) == 1 and (entry / "weights").read_text() == "w"

    def crash(tmp):
        tmp.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_once(tmp_path / "other", crash)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entry"]
