"""Finding, verifying and downloading dataset files.

Each dataset declares its files with their sha256 and canonical URL (`DatasetSpec`). `locate` looks for the
dataset directory in an explicit root when one is given (`--data`), and only there: a root that lacks the data is an
error, never a silent fall-back to other copies. Without one it looks, in order, in `$DIVE_DATA`, the cache
(`~/.cache/dive`), and known system locations (Debian's `/usr/share/datasets/...`). Every file is hash-checked
before use; a missing file is an error naming every place searched and how to provide it; a corrupt one names both
hashes.

`download` / `download_dataset` exist for users who are online (https only, status check, hash check, atomic
rename into place; a dataset whose local files are not what its publisher serves downloads its canonical archive
through `sources.Source`); nothing in dive calls them implicitly and the tests never reach the network (they serve
fixture archives from 127.0.0.1).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dive.core import DiveError, cache_dir
from dive.data.sources import (
    DownloadError,
    Source,
    by_hand,
    download_source,
    extract_member,
    fetch,
    staging,
)


class DataNotFoundError(DiveError):
    """A dataset's files are not in any of the places searched."""


class ChecksumError(DiveError):
    """A dataset file's sha256 is not the declared one (corrupt, truncated, or a different version)."""


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset. `raw_sha256` (gzip files only) accepts a copy re-compressed with other settings.

    `member`: the URL is a zip archive and this file is the member at that path inside it (e.g. the book's
    fra-eng.zip holds fra-eng/fra.txt); the sha256 is the member's.
    """

    name: str
    sha256: str
    url: str
    raw_sha256: str | None = None
    member: str | None = None


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset: its directory name under a data root, its files, and system directories that may hold it."""

    name: str
    description: str
    files: tuple[DataFile, ...]
    system_dirs: tuple[str, ...] = ()
    license: str = ""
    # a folder of many files (photos and their annotations) is checked as a whole: `layout` names the entries that
    # must be there, `tree_sha256` is MANIFEST.md's tree digest of everything under it (see `tree_digest`)
    layout: tuple[str, ...] = ()
    tree_sha256: str | None = None
    url: str = ""  # where the whole folder comes from, for a user to fetch by hand
    # a dataset only the book profile of a recipe reads (full CIFAR-10): `dive data` notes it missing, not a failure
    optional: bool = False
    # the canonical download, where the local `files` are not the publisher's bytes (`dive data --download`)
    source: Source | None = None


def tree_hashes(directory: Path) -> dict[str, str]:
    """{"./<path>": sha256} of every file under `directory`, sorted by path bytes (as `find | sort` lists them)."""
    paths = sorted(
        (p for p in directory.rglob("*") if p.is_file()), key=lambda p: str(p.relative_to(directory)).encode()
    )
    return {f"./{p.relative_to(directory).as_posix()}": sha256_of(p) for p in paths}


def tree_digest(directory: Path, hashes: dict[str, str] | None = None) -> str:
    """sha256 of the "<sha256>  ./<path>" lines of every file under `directory`, sorted by path bytes: what
    `cd DIR && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum` prints."""
    hashes = tree_hashes(directory) if hashes is None else hashes
    return hashlib.sha256("".join(f"{h}  {p}\n" for p, h in hashes.items()).encode()).hexdigest()


_verified_trees: dict[tuple[str, int], bool] = {}


def _tree_record(spec: DatasetSpec) -> Path:
    """Where the per-file hashes of a folder that matched its tree digest are kept, to name what changes later."""
    return cache_dir() / "trees" / f"{spec.name}-{(spec.tree_sha256 or '')[:16]}.json"


def verify_tree(directory: Path, spec: DatasetSpec) -> None:
    """Raise `ChecksumError` unless the folder's tree digest is the spec's (cached per folder and newest mtime).

    A folder that matched once leaves its per-file hashes in the cache, so a later mismatch names the first file
    that was changed, added or removed."""
    newest = max((p.stat().st_mtime_ns for p in directory.rglob("*")), default=0)
    key = (str(directory.resolve()), newest)
    if spec.tree_sha256 is None or _verified_trees.get(key):
        return
    hashes = tree_hashes(directory)
    got = tree_digest(directory, hashes)
    record = _tree_record(spec)
    if got != spec.tree_sha256:
        first = ""
        if record.is_file():
            known = json.loads(record.read_text())
            changed = sorted(p for p in set(known) | set(hashes) if known.get(p) != hashes.get(p))
            if changed:
                what = "missing" if changed[0] not in hashes else "added" if changed[0] not in known else "changed"
                first = f"; first difference: {changed[0]} ({what}, {len(changed)} file(s) in all)"
        raise ChecksumError(
            f"{directory} is not the expected {spec.name} folder: tree digest {got}, expected {spec.tree_sha256}"
            f"{first}. Copy it again{f' ({spec.url})' if spec.url else ''}."
        )
    if not record.is_file():
        try:
            record.parent.mkdir(parents=True, exist_ok=True)
            record.write_text(json.dumps(hashes))
        except OSError:
            pass  # a read-only cache: the digest alone still guards the folder
    _verified_trees[key] = True


def sha256_of(path: Path, *, gunzip: bool = False) -> str:
    """Hex sha256 of a file (of its decompressed content when `gunzip`)."""
    h = hashlib.sha256()
    opener = gzip.open if gunzip else open
    with opener(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_verified: dict[tuple[str, int, int], bool] = {}


def verify_file(path: Path, file: DataFile) -> None:
    """Raise `ChecksumError` unless `path` holds `file` (results cached per path, size and mtime)."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if _verified.get(key):
        return
    got = sha256_of(path)
    ok = got == file.sha256
    if not ok and file.raw_sha256 is not None:
        try:
            ok = sha256_of(path, gunzip=True) == file.raw_sha256
        except (OSError, EOFError, gzip.BadGzipFile, zlib.error):  # a damaged gzip body: this file is not the one
            ok = False
    if not ok:
        raise ChecksumError(
            f"{path} is corrupt or not the expected file: sha256 {got}, expected {file.sha256}. "
            f"Delete it and copy or download it again ({file.url})."
        )
    _verified[key] = True


def inside(root: str | os.PathLike, entry: str | os.PathLike) -> Path:
    """`root/entry`, refused in one line when `entry` is absolute, climbs out with `..`, or is (or passes through) a
    symbolic link to somewhere outside `root`: a dataset folder gives its own files, never /etc/passwd."""
    root, rel = Path(root), Path(entry)
    if rel.is_absolute() or ".." in rel.parts:
        raise DiveError(f"{root}: the entry {str(entry)[:200]!r} points outside the dataset folder; refused")
    path = root / rel
    real_root, real = root.resolve(), path.resolve()
    if real != real_root and real_root not in real.parents:
        raise DiveError(f"{path} is a link to {real}, outside the dataset folder {root}; refused")
    return path


def search_dirs(spec: DatasetSpec, root: str | os.PathLike | None = None) -> list[tuple[str, Path]]:
    """Candidate directories for `spec`, in search order, each with a label saying where it came from.

    An explicit `root` is the only candidate: asking for one data root and being served another would be wrong."""
    if root is not None:
        return [("explicit root", Path(root).expanduser() / spec.name)]
    places: list[tuple[str, Path]] = []
    env = os.environ.get("DIVE_DATA")
    if env:
        places.append(("$DIVE_DATA", Path(env).expanduser() / spec.name))
    places.append(("cache", cache_dir() / spec.name))
    places.extend(("system", Path(d)) for d in spec.system_dirs)
    return places


def locate(spec: DatasetSpec, root: str | os.PathLike | None = None, *, verify: bool = True) -> Path:
    """The first directory holding every file of `spec`, hash-checked; `DataNotFoundError` if there is none."""
    places = search_dirs(spec, root)
    for _, directory in places:
        if all((directory / f.name).is_file() for f in spec.files) and all(
            (directory / e).exists() for e in spec.layout
        ):
            if verify:
                for f in spec.files:
                    verify_file(directory / f.name, f)
                verify_tree(directory, spec)
            return directory
    searched = "\n".join(f"  - {d}  ({label}){_missing(d, spec)}" for label, d in places)
    if root is not None:
        where = places[0][1]
        raise DataNotFoundError(
            f"dataset {spec.name!r} not found in the data root {root} (--data): {where}{_missing(where, spec)}."
            f" Point --data at a folder containing {spec.name}/ ({_contents(spec)}), "
            "or drop --data to search $DIVE_DATA, the cache and the system folders."
        )
    raise DataNotFoundError(
        f"dataset {spec.name!r} not found. Searched:\n{searched}\n"
        f"Provide it by setting DIVE_DATA to a folder containing {spec.name}/ "
        f"({_contents(spec)}), or, when online, `dive data --download {spec.name}`."
    )


def _contents(spec: DatasetSpec) -> str:
    return ", ".join([f.name for f in spec.files] + [f"{e}/" for e in spec.layout])


def _missing(directory: Path, spec: DatasetSpec) -> str:
    if not directory.is_dir():
        return ": no such folder"
    missing = [f.name for f in spec.files if not (directory / f.name).is_file()]
    missing += [e for e in spec.layout if not (directory / e).exists()]
    return f": missing {', '.join(missing)}"


def download(
    file: DataFile,
    dest_dir: Path,
    *,
    urlopen: Callable = urllib.request.urlopen,
    timeout: float = 60.0,
) -> Path:
    """Fetch `file.url` (or its `member`) into `dest_dir/file.name`, checking status and sha256; the target appears
    only when whole, and a failure leaves nothing behind (not even the folder, when this call made it)."""
    try:
        with staging(dest_dir) as work:
            _fetch_file(file, dest_dir, work, urlopen, timeout)
    except ChecksumError:
        raise ChecksumError(f"{file.url} did not give the expected {file.name} (sha256 {file.sha256[:16]}...): "
                            "a damaged or changed file; nothing was written") from None  # fmt: skip
    return dest_dir / file.name


def _fetch_file(file: DataFile, dest_dir: Path, work: Path, urlopen: Callable, timeout: float) -> None:
    """The archive (or the file itself) into `work`, the file checked, then renamed into `dest_dir`."""
    part = work / file.name
    try:
        fetch(file.url, work / "archive" if file.member else part, urlopen=urlopen, timeout=timeout)
    except DownloadError as e:
        raise DownloadError(f"{e}; {by_hand(file.url, dest_dir, [file.name])}") from None
    if file.member is not None:
        extract_member(work / "archive", file.member, part)
    verify_file(part, file)
    os.replace(part, dest_dir / file.name)


def download_dataset(spec: DatasetSpec, dest_root: Path | None = None) -> Path:
    """Download `spec` into `dest_root/spec.name` (default: the cache): its canonical archive where it declares
    one (`source`), else every missing file; then check the result as `locate` does."""
    if spec.layout and not spec.files and spec.source is None:
        raise DiveError(f"{spec.name} is a folder of many files: fetch it by hand from {spec.url or 'its source'}")
    directory = (dest_root or cache_dir()) / spec.name
    if spec.source is not None:
        source = spec.source
        if all((directory / name).is_file() for name in source.extract):
            return directory  # fetched before (its archive was checked then)
        try:
            download_source(source, directory)
        except DownloadError as e:
            raise DownloadError(f"{e}; {by_hand(source.url, directory, list(source.extract))}") from None
        try:
            return locate(spec, directory.parent)  # the local form the catalog knows, checked as any copy
        except DataNotFoundError:
            return directory  # another local form (the book's archive itself), which its reader finds there
    for f in spec.files:
        path = directory / f.name
        if path.is_file():
            verify_file(path, f)
        else:
            download(f, directory)
    return directory
