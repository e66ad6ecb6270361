"""Where a dataset comes from when it is downloaded: the canonical archive, checked by its own published digest.

A dataset's local files (what `locate` finds and checks) are not always the bytes its publisher serves: the shared
data holds repacked or recompressed copies (IMDb's labelled reviews only, SNLI's splits as .jsonl.gz). So a
`Source` names the archive as published (its URL and the digest published for it: d2l's DATA_HUB gives SHA-1),
the local files a download leaves (each with its own sha256, checked later by `locate` like any other form), and
which archive member each of them is ("" keeps the archive itself). A download:
- fetches over https (or from a loopback address: the tests' own server), streaming into a temporary file;
- checks the archive's digest, then extracts each member through a size limit into a temporary file and checks
  it, and renames it into place: a corrupt or truncated transfer leaves nothing behind, not even an empty folder;
- says in one line what went wrong: the machine looks offline (and where to put the file by hand), the server's
  status, a digest mismatch, a transfer cut short.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dive.core import DiveError

MAX_MEMBER_BYTES = 2 << 30  # one extracted file at most (SNLI's train split is 470 MB); a zip bomb stops here


class DownloadError(DiveError):
    """A download could not be completed (offline, refused, cut short, or not the published bytes)."""


@dataclass(frozen=True)
class Source:
    """A dataset's canonical download: `url`, its published `digest` ("sha1:<hex>" or "sha256:<hex>"), and
    `extract`: local file name -> archive member ("" = the archive itself kept under that name; a name ending in
    .gz whose member is not gzipped is gzip-compressed on the way)."""

    url: str
    digest: str
    extract: Mapping[str, str] = field(default_factory=dict)


def digest_of(path: Path, digest: str) -> str:
    """`path`'s digest in the algorithm `digest` names, written the same way ("sha1:<hex>")."""
    algorithm = digest.split(":", 1)[0]
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return f"{algorithm}:{h.hexdigest()}"


def check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    loopback = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not loopback:
        raise DownloadError(f"refusing to download {url}: only https URLs are fetched")


def fetch(url: str, target: Path, *, urlopen: Callable = urllib.request.urlopen, timeout: float = 60.0) -> None:
    """Stream `url` into `target` (a temporary file the caller owns); one clear line for every failure."""
    check_url(url)
    try:
        with open(target, "wb") as out, urlopen(url, timeout=timeout) as resp:
            status = getattr(resp, "status", 200)
            if status != 200:
                raise DownloadError(f"download of {url} failed: the server answered HTTP {status}")
            promised, got = getattr(resp, "headers", {}).get("Content-Length"), 0
            for chunk in iter(lambda: resp.read(1 << 20), b""):
                out.write(chunk)
                got += len(chunk)
            if promised is not None and got != int(promised):  # the connection closed before the end
                raise http.client.IncompleteRead(b"", int(promised) - got)
            out.flush()
            os.fsync(out.fileno())
    except urllib.error.HTTPError as e:
        raise DownloadError(f"download of {url} failed: the server answered HTTP {e.code}") from None
    except urllib.error.URLError as e:
        raise DownloadError(f"cannot reach {url} ({e.reason}): this machine looks offline") from None
    except (http.client.IncompleteRead, ConnectionError, TimeoutError) as e:
        raise DownloadError(f"the transfer of {url} was cut short ({type(e).__name__}); try again") from None


def extract_member(archive: Path, member: str, out: Path) -> None:
    """Copy `member` of a zip or tar archive to `out`, refusing more than MAX_MEMBER_BYTES."""
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf, zf.open(member) as src:
                _copy_limited(src, out, member)
        else:
            with tarfile.open(archive) as tf:
                src = tf.extractfile(member)
                if src is None:
                    raise KeyError(member)
                _copy_limited(src, out, member)
    except KeyError:
        raise DownloadError(f"the downloaded archive {archive.name} has no member {member!r}") from None
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError) as e:
        raise DownloadError(f"the downloaded archive {archive.name} is damaged ({type(e).__name__})") from None


def _copy_limited(src, out: Path, member: str) -> None:
    compress = out.name.endswith(".gz") and not member.endswith(".gz")
    with open(out, "wb") as raw, gzip.GzipFile(out.name[:-3], "wb", fileobj=raw, mtime=0) if compress else raw as dst:
        copied = 0
        for chunk in iter(lambda: src.read(1 << 20), b""):
            copied += len(chunk)
            if copied > MAX_MEMBER_BYTES:
                raise DownloadError(f"{member} is larger than {MAX_MEMBER_BYTES:,} bytes: refused")
            dst.write(chunk)


@contextlib.contextmanager
def staging(directory: Path) -> Iterator[Path]:
    """A temporary folder inside `directory` for a download's parts; on failure `directory` itself is removed again
    when this call made it, so a failed download leaves not even an empty folder."""
    made = not directory.exists()
    directory.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".download.", dir=directory))
    try:
        yield work
    except BaseException:
        if made:
            shutil.rmtree(directory, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def download_source(source: Source, directory: Path, *, urlopen: Callable = urllib.request.urlopen) -> None:
    """Fetch `source` into `directory`: the archive checked by its digest, each local file extracted and renamed
    into place. Nothing is left behind on failure (a folder this call made is removed again)."""
    with staging(directory) as work:
        archive = work / "archive"
        fetch(source.url, archive, urlopen=urlopen)
        got = digest_of(archive, source.digest)
        if got != source.digest:
            raise DownloadError(f"{source.url} is not the published file: {got}, expected {source.digest}")
        for name, member in source.extract.items():
            part = work / name
            if member:
                extract_member(archive, member, part)
            else:
                shutil.copyfile(archive, part)
            os.replace(part, directory / name)


def by_hand(url: str, directory: Path, names: list[str]) -> str:
    """Where a user puts the files when dive cannot fetch them."""
    return f"fetch {url} by hand and put {', '.join(names)} in {directory} (or any folder that $DIVE_DATA names)"
