"""`dive data --download` end to end against a small HTTP server on 127.0.0.1 (never the network): a dataset's
canonical archive is fetched, checked by its published digest, and its members extracted; a corrupt archive, a
transfer cut short and an unreachable server each give one line and leave nothing behind."""

import gzip
import hashlib
import http.server
import io
import socket
import tarfile
import threading

import pytest

import dive.data
import dive.recipes  # noqa: F401  (registered before a test swaps the catalog for a toy one)
from dive.cli.main import main
from dive.data import DataFile, DatasetSpec, locate
from dive.data.files import download_dataset
from dive.data.sources import DownloadError, Source

CONTENT = b"premise\thypothesis\tlabel\n" * 50


def tar_gz(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


GOOD = tar_gz({"toy/data.txt": CONTENT, "toy/README": b"a toy"})
CORRUPT = GOOD[:100] + bytes([GOOD[100] ^ 0xFF]) + GOOD[101:]


class Handler(http.server.BaseHTTPRequestHandler):
    extra: dict[str, bytes] = {}  # more archives a test serves

    def do_GET(self):  # noqa: N802 - http.server's name
        body = {"/good.tar.gz": GOOD, "/corrupt.tar.gz": CORRUPT, "/truncated.tar.gz": GOOD, **self.extra}.get(
            self.path
        )
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path == "/truncated.tar.gz":  # half the promised bytes, then the connection closes
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def spec(url: str) -> DatasetSpec:
    """A dataset whose local file is the archive's member, gzipped (as SNLI's splits are in the shared data)."""
    local = DataFile("data.txt.gz", "0" * 64, url, raw_sha256=hashlib.sha256(CONTENT).hexdigest())
    digest = "sha1:" + hashlib.sha1(GOOD).hexdigest()
    return DatasetSpec("toy", "a toy set", (local,), source=Source(url, digest, {"data.txt.gz": "toy/data.txt"}))


def test_the_good_archive_is_verified_and_its_member_extracted(server, tmp_path):
    where = download_dataset(spec(f"{server}/good.tar.gz"), tmp_path)
    assert gzip.decompress((where / "data.txt.gz").read_bytes()) == CONTENT
    assert sorted(p.name for p in where.iterdir()) == ["data.txt.gz"]  # no archive or temporary file left
    assert locate(spec(f"{server}/good.tar.gz"), tmp_path) == where  # and locate checks it like any copy


@pytest.mark.parametrize(
    ("path", "words"),
    [("corrupt.tar.gz", "is not the published file"), ("truncated.tar.gz", "was cut short"), ("nope", "HTTP 404")],
)
def test_a_bad_transfer_is_one_line_and_leaves_nothing(server, tmp_path, path, words):
    with pytest.raises(DownloadError) as e:
        download_dataset(spec(f"{server}/{path}"), tmp_path)
    assert words in str(e.value) and "\n" not in str(e.value) and "by hand" in str(e.value)
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_server_says_the_machine_looks_offline(tmp_path, capsys, monkeypatch):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(dive.data, "DATASETS", {"toy": spec(f"http://127.0.0.1:{port}/x.tar.gz")})
    monkeypatch.setenv("DIVE_CACHE", str(tmp_path / "cache"))
    assert main(["data", "--download", "toy"]) == 2
    err = capsys.readouterr().err
    assert "looks offline" in err and f"x.tar.gz by hand and put data.txt.gz in {tmp_path / 'cache' / 'toy'}" in err
    assert not (tmp_path / "cache" / "toy").exists()


def test_the_download_command_fetches_through_the_catalog(server, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(dive.data, "DATASETS", {"toy": spec(f"{server}/good.tar.gz")})
    monkeypatch.setenv("DIVE_CACHE", str(tmp_path))
    assert main(["data", "--download", "toy"]) == 0
    assert capsys.readouterr().out.strip().endswith(str(tmp_path / "toy"))


def test_the_catalog_pairs_each_archive_with_its_own_digest():
    """The book's datasets whose local copies are repacks download the publisher's archive, checked by the
    archive's own published digest, never by the local copy's sha256."""
    from dive.data import DATASETS

    for name in ("aclImdb", "snli_1.0"):
        source = DATASETS[name].source
        assert source.url.startswith("https://") and source.digest.startswith("sha1:")
        assert all(f.sha256 != source.digest.split(":")[1] for f in DATASETS[name].files)
    sick = DATASETS["sick"].files[0]
    assert sick.url.endswith("SICK.zip") and sick.member == "SICK.txt"


def test_movielens_downloads_as_grouplens_zips_it_and_reads_in_place(server, tmp_path, monkeypatch):
    """ml-100k.zip's layout (ml-100k/<file>), served locally with fixture contents: every file extracted, checked,
    and read by the loader where it landed."""
    import zipfile

    import dive.data.movielens as movielens
    from dive.data import DATASETS

    real = DATASETS["ml-100k"]
    contents = {f.name: f"{f.name}\n".encode() for f in real.files}
    contents["u.info"] = b"3 users\n4 items\n5 ratings\n"
    contents["u.data"] = b"1\t2\t5\t10\n3\t4\t1\t20\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in contents.items():
            z.writestr(f"ml-100k/{name}", data)
    archive = buf.getvalue()
    Handler.extra = {"/ml-100k.zip": archive}
    files = tuple(DataFile(f.name, hashlib.sha256(contents[f.name]).hexdigest(), f"{server}/ml-100k.zip",
                           member=f.member) for f in real.files)  # fmt: skip
    source = Source(f"{server}/ml-100k.zip", "sha1:" + hashlib.sha1(archive).hexdigest(), real.source.extract)
    toy = DatasetSpec("ml-100k", real.description, files, source=source)
    where = download_dataset(toy, tmp_path)
    monkeypatch.setattr(movielens, "ML100K", toy)
    r = movielens.read_ml100k(tmp_path)
    assert where == tmp_path / "ml-100k" and (len(r), r.num_users, r.num_items) == (2, 3, 4)


def test_the_pokemon_archive_downloads_whole_and_reads_in_place(server, tmp_path, monkeypatch):
    """The book's pokemon.zip (§20.2) is kept as fetched, checked by its SHA-1, and read by the ImageFolder reader
    without unpacking its sprites."""
    import zipfile

    from PIL import Image

    import dive.data.image_folders as folders
    from dive.data import DATASETS

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i in range(3):
            png = io.BytesIO()
            Image.new("RGB", (96, 96), (80 * i, 10, 10)).save(png, format="PNG")
            z.writestr(f"pokemon/pokemon/{i}.png", png.getvalue())
    archive = buf.getvalue()
    Handler.extra = {"/pokemon.zip": archive}
    real = DATASETS["pokemon"]
    assert real.source.digest == "sha1:c065c0e2593b8b161a2d7873e42418bf6a21106c"  # the book's DATA_HUB entry
    source = Source(f"{server}/pokemon.zip", "sha1:" + hashlib.sha1(archive).hexdigest(), real.source.extract)
    toy = DatasetSpec("pokemon", real.description, real.files, layout=real.layout, source=source)
    where = download_dataset(toy, tmp_path)
    assert sorted(p.name for p in where.iterdir()) == ["pokemon.zip"]
    monkeypatch.setattr(folders, "POKEMON", toy)
    sprites = folders.load_image_folder(folders.pokemon_zip(tmp_path), 64)
    assert sprites.classes == ["pokemon"] and sprites.train.images.shape == (3, 3, 64, 64)
