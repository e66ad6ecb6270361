"""A sweep shared by two "machines" through a real PostgreSQL server that the test starts itself (Debian's
`postgresql` package: initdb into a temporary folder, listening on 127.0.0.1 only, stopped at the end)."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

pytest.importorskip("optuna")
pytest.importorskip("psycopg", reason="psycopg (dive-dl[sweep]) talks to PostgreSQL")


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))  # Debian keeps them off PATH
    return str(versions[-1]) if versions else None


@pytest.fixture(scope="module")
def postgres():
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL's initdb/pg_ctl are not installed (apt-get install postgresql; .ci/run does)")
    root = Path(tempfile.mkdtemp(prefix="dive-pg-", dir="/tmp"))
    user = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as nobody
        user = "nobody"
        shutil.chown(root, user)
        root.chmod(0o755)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = root / "data"
    run = lambda *cmd: subprocess.run(cmd, check=True, capture_output=True, text=True, user=user)  # noqa: E731
    run(initdb, "-D", str(data), "-U", "dive", "--auth=trust", "-E", "UTF8")
    run(pg_ctl, "-D", str(data), "-l", str(root / "log"), "-w", "-o",
        f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={root}", "start")  # fmt: skip
    try:
        yield f"postgresql+psycopg://dive@127.0.0.1:{port}/postgres"
    finally:
        run(pg_ctl, "-D", str(data), "-m", "immediate", "stop")
        time.sleep(0.2)
        shutil.rmtree(root, ignore_errors=True)


def test_two_machines_share_one_study_in_postgresql(postgres, tmp_path, capsys):
    from dive.cli.main import main

    common = ["sweep", "linreg", "--profile", "tiny", "--param", "lr=loguniform:0.01:0.5", "--storage", postgres,
              "--name", "shared", "--max_epochs=2"]  # fmt: skip
    assert main([*common, "--trials", "2", "--out", str(tmp_path / "a")]) == 0  # machine A starts the study
    assert main([*common, "--trials", "4", "--out", str(tmp_path / "b"), "--join"]) == 0  # B joins, finishes it
    import pandas as pd

    table = pd.read_csv(tmp_path / "b" / "trials.csv")
    assert len(table) == 4 and set(table["state"]) == {"COMPLETE"}
    assert sorted(p.name for p in (tmp_path / "a").glob("trial-*")) == ["trial-000", "trial-001"]
    assert sorted(p.name for p in (tmp_path / "b").glob("trial-*")) == ["trial-002", "trial-003"]
    assert not (tmp_path / "a" / "study.db").exists()  # the study lives in PostgreSQL
    other = [*common[:4], "--param", "lr=float:0.1:0.2", *common[6:], "--join", "--out", str(tmp_path / "c")]
    assert main(other) == 2 and "other settings" in capsys.readouterr().err
