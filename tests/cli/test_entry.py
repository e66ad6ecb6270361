"""The `dive` command ends with os._exit after flushing: its output and exit status must survive that."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("full_exit", ["0", "1"])
def test_output_and_status_survive_the_quick_exit(tmp_path, full_exit):
    env = {**os.environ, "DIVE_FULL_EXIT": full_exit}
    cmd = [sys.executable, "-m", "dive", "run", "calculus", "--profile", "tiny", "--out", str(tmp_path / "run")]
    ok = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    assert "wrote" in ok.stdout and (tmp_path / "run" / "summary.json").is_file()
    bad_cmd = [sys.executable, "-m", "dive", "run", "no-such-recipe"]
    bad = subprocess.run(bad_cmd, capture_output=True, text=True, env=env)
    assert bad.returncode != 0
    assert "no-such-recipe" in bad.stderr


def test_a_closed_pipe_ends_the_command_quietly():
    cmd = f"'{sys.executable}' -m dive list | head -1"
    out = subprocess.run(["bash", "-c", f"set -o pipefail; {cmd}"], capture_output=True, text=True)
    assert out.stdout.startswith("name")
    assert out.stderr == ""  # no "BrokenPipeError" line, whichever way the race between the two went
    assert out.returncode in (0, 141)
