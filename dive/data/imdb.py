"""The IMDb review dataset (book §16.1): 25,000 training and 25,000 test reviews, labelled positive or negative.

Read straight from the archive (no 50,000 files unpacked): members `*/{train,test}/{pos,neg}/<id>_<rating>.txt`;
a member with an absolute path or `..` is refused, bytes that are not UTF-8 are replaced (and counted). The
book's tokenisation: newlines dropped, split on whitespace, case and punctuation kept (so "<br" and "/><br" are
tokens, as in the book). Vocabulary: words seen at least `min_freq` times in the *training* reviews, plus
"<pad>"; each review truncated or padded to `num_steps` (the book's 500).

The tokenised arrays are cached under `~/.cache/dive/imdb/`, the key holding the archive's sha256, the reader's
version and the settings, so a second run starts in about a second instead of ten.

Shapes: tokens int64 (N, num_steps) padded with `<pad>`; lengths int64 (N,) (the real tokens kept, at least 1);
labels int64 (N,), 1 = positive.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from dive.core import DiveError, cache_dir
from dive.data.catalog import IMDB
from dive.data.files import DataNotFoundError, inside, locate, search_dirs, sha256_of
from dive.text import Vocab

READER_VERSION = 1
LABELS = ("negative", "positive")
_MEMBER = re.compile(r"(?:^|/)(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")


@dataclass(frozen=True)
class Reviews:
    """Raw reviews of one split: texts and labels (1 = positive), in (label, id) order; `replaced`: how many
    reviews held bytes that are not UTF-8 (decoded with U+FFFD in their place)."""

    texts: list[str]
    labels: list[int]
    replaced: int = 0


def check_member(name: str) -> None:
    """Refuse an archive member that would point outside the archive's folder (absolute path or `..`)."""
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        raise DiveError(f"refusing archive member {name!r}: an absolute path or '..' has no place in a dataset")


def _decode(raw: bytes) -> tuple[str, bool]:
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace"), True


def _collect(items) -> dict[str, Reviews]:
    """items: (split, label, id, raw bytes) -> {split: Reviews} ordered by label then id."""
    rows: dict[str, list[tuple[int, int, str, bool]]] = {"train": [], "test": []}
    for split, label, idx, raw in items:
        text, bad = _decode(raw)
        rows[split].append((1 if label == "pos" else 0, idx, text, bad))
    out = {}
    for split, r in rows.items():
        r.sort(key=lambda t: (-t[0], t[1]))  # positives first, as the book's listing does
        out[split] = Reviews([t[2] for t in r], [t[0] for t in r], sum(t[3] for t in r))
    return out


MAX_REVIEW_BYTES = 1 << 20  # IMDb's longest review is 14 KB: a member of megabytes is not a review


def _review_bytes(f, size: int, name: str) -> bytes:
    """One review's bytes, refused past MAX_REVIEW_BYTES before anything is read (a hostile archive can hold one
    member of hundreds of megabytes)."""
    if size > MAX_REVIEW_BYTES:
        raise DiveError(f"{name} holds {size:,} bytes, more than a review ({MAX_REVIEW_BYTES:,} at most): refused")
    return f.read(MAX_REVIEW_BYTES + 1)


def read_imdb_archive(path: str | os.PathLike) -> dict[str, Reviews]:
    """{"train": Reviews, "test": Reviews} from a .tar.gz holding `aclImdb/{train,test}/{pos,neg}/*.txt` (the
    shared copy, or the book's aclImdb_v1.tar.gz; its unlabelled `unsup/` reviews are skipped)."""

    def items():
        with tarfile.open(path, "r:*") as tar:
            for m in tar:
                check_member(m.name)
                match = _MEMBER.search(m.name)
                if m.isfile() and match:
                    yield match[1], match[2], int(match[3]), _review_bytes(tar.extractfile(m), m.size, m.name)

    try:
        return _checked(_collect(items()), str(path))
    except (tarfile.TarError, EOFError, OSError) as e:
        raise DiveError(f"cannot read the IMDb archive {path}: {e}") from None


def read_imdb_folder(folder: str | os.PathLike) -> dict[str, Reviews]:
    """The same from an extracted `aclImdb/` folder (the book's layout after unpacking)."""
    root = Path(folder)

    def items():
        for split in ("train", "test"):
            for label in ("pos", "neg"):
                for p in (root / split / label).glob("*.txt"):
                    match = _MEMBER.search(p.relative_to(root).as_posix())
                    if match:
                        path = inside(root, p.relative_to(root))
                        with open(path, "rb") as f:
                            yield split, label, int(match[3]), _review_bytes(f, path.stat().st_size, str(path))

    return _checked(_collect(items()), str(root))


def _checked(splits: dict[str, Reviews], where: str) -> dict[str, Reviews]:
    for split, r in splits.items():
        if not r.texts:
            raise DiveError(f"no {split}/pos or {split}/neg reviews in {where}")
    return splits


def find_imdb(root: str | os.PathLike | None = None) -> Path:
    """The shared archive (sha256-checked), else the book's aclImdb_v1.tar.gz or an extracted aclImdb/ folder in
    the same places (a user's own download: checked by its layout, as its sha256 is not ours)."""
    try:
        return locate(IMDB, root) / IMDB.files[0].name
    except DataNotFoundError as missing:
        for _, d in search_dirs(IMDB, root):
            for candidate in (d / "aclImdb_v1.tar.gz", d / "aclImdb", d):
                if candidate.is_file() or (candidate / "train" / "pos").is_dir():
                    return candidate
        raise missing


def tokenize_review(text: str) -> list[str]:
    """The book's: newlines removed, then split on whitespace (`d2l.tokenize(..., token="word")`)."""
    return text.replace("\n", "").split()


def truncate_pad(ids: list[int], num_steps: int, pad: int) -> list[int]:
    """The book's `truncate_pad` (§10.5): keep the first `num_steps` ids, pad the rest."""
    return ids[:num_steps] + [pad] * max(num_steps - len(ids), 0)


def encode_reviews(token_lists: list[list[str]], vocab: Vocab, num_steps: int) -> tuple[Tensor, Tensor]:
    """(tokens (N, num_steps), lengths (N,), at least 1 so that an empty review is one `<pad>` step)."""
    pad = vocab["<pad>"]
    X = torch.tensor([truncate_pad(vocab[t], num_steps, pad) for t in token_lists], dtype=torch.long)
    lengths = torch.tensor([min(max(len(t), 1), num_steps) for t in token_lists], dtype=torch.long)
    return X.view(len(token_lists), num_steps), lengths


@dataclass(frozen=True)
class ImdbArrays:
    """Tokenised IMDb: per split (tokens, lengths, labels), and the training vocabulary."""

    train: tuple[Tensor, Tensor, Tensor]
    test: tuple[Tensor, Tensor, Tensor]
    vocab: Vocab
    replaced: int = 0  # reviews with non-UTF-8 bytes


def build_arrays(splits: dict[str, Reviews], num_steps: int, min_freq: int) -> ImdbArrays:
    if num_steps < 1:
        raise DiveError(f"num_steps must be >= 1, got {num_steps}")
    tokens = {s: [tokenize_review(t) for t in r.texts] for s, r in splits.items()}
    vocab = Vocab(tokens["train"], min_freq=min_freq, reserved_tokens=["<pad>"])
    out = {}
    for s, r in splits.items():
        X, lengths = encode_reviews(tokens[s], vocab, num_steps)
        out[s] = (X, lengths, torch.tensor(r.labels, dtype=torch.long))
    return ImdbArrays(out["train"], out["test"], vocab, sum(r.replaced for r in splits.values()))


def load_imdb(root: str | os.PathLike | None = None, num_steps: int = 500, min_freq: int = 5) -> ImdbArrays:
    """The book's `load_data_imdb` arrays, from the cache when the same archive and settings were seen before."""
    from safetensors.torch import load_file, save_file

    source = find_imdb(root)
    digest = sha256_of(source) if source.is_file() else hashlib.sha256(str(source.resolve()).encode()).hexdigest()
    key = hashlib.sha256(json.dumps([READER_VERSION, digest, num_steps, min_freq]).encode()).hexdigest()[:16]
    folder = cache_dir() / "imdb"
    cached, vocab_file = folder / f"{key}.safetensors", folder / f"{key}.vocab.json"
    if cached.is_file() and vocab_file.is_file():
        t = load_file(cached)
        vocab = Vocab.load(vocab_file)
        split = lambda s: (t[f"{s}_X"].long(), t[f"{s}_len"].long(), t[f"{s}_y"].long())  # noqa: E731
        return ImdbArrays(split("train"), split("test"), vocab, int(t["replaced"]))
    splits = read_imdb_archive(source) if source.is_file() else read_imdb_folder(source)
    arrays = build_arrays(splits, num_steps, min_freq)
    tensors = {"replaced": torch.tensor(arrays.replaced)}
    for s, (X, lengths, y) in (("train", arrays.train), ("test", arrays.test)):
        tensors.update({f"{s}_X": X.int(), f"{s}_len": lengths.int(), f"{s}_y": y.to(torch.int8)})
    tmp = cached.with_suffix(".tmp")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        save_file(tensors, str(tmp), metadata={"source": str(source), "sha256": digest})
        arrays.vocab.save(vocab_file)
        os.replace(tmp, cached)  # the arrays last: a vocab without arrays is rebuilt, never the other way round
    except OSError:  # a read-only or full cache: the arrays are in memory all the same (as Fashion-MNIST's)
        tmp.unlink(missing_ok=True)
    return arrays


def fake_reviews(seed: int, n: int = 400) -> dict[str, Reviews]:
    """Stand-in reviews for tests: neutral filler words plus a few words from a positive or a negative pool."""
    g = torch.Generator().manual_seed(seed)
    pools = (["awful", "boring", "bad", "worst", "dull"], ["great", "wonderful", "best", "fine", "moving"])
    filler = ["the", "movie", "a", "plot", "actor", "and", "scene", "film", "it", "was"]

    def review(label: int) -> str:
        length = int(torch.randint(4, 30, (1,), generator=g))
        words = [filler[int(i)] for i in torch.randint(0, len(filler), (length,), generator=g)]
        for _ in range(3):
            words.insert(int(torch.randint(0, len(words) + 1, (1,), generator=g)),
                         pools[label][int(torch.randint(0, 5, (1,), generator=g))])  # fmt: skip
        return " ".join(words)

    out = {}
    for split, count in (("train", n), ("test", n // 2)):
        labels = [i % 2 for i in range(count)]
        out[split] = Reviews([review(y) for y in labels], labels)
    return out


def trim_to_longest(batch: tuple[Tensor, Tensor, Tensor]) -> tuple[Tensor, Tensor, Tensor]:
    """(tokens, lengths, labels): cut the tokens to the batch's longest review (a loader's `batch_transform`)."""
    X, lengths, y = batch
    return X[:, : int(lengths.max())], lengths, y
