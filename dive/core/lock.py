"""One run at a time in a run folder: a lock file holding its owner's pid, taken atomically.

Two `dive run`s into one `--out` would interleave their history lines and overwrite each other's checkpoints. The
lock is `O_CREAT | O_EXCL` (atomic on local filesystems): the second run refuses in one line that names the first.
A lock whose process is gone (killed, crashed, the machine rebooted) is stale: it is moved aside atomically and
taken over, so a `kill -9` never leaves a folder unusable.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from dive.core.errors import DiveError

LOCK_NAME = ".dive.lock"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


class FolderLock:
    """`with FolderLock(folder):` holds `folder/.dive.lock` for this process, or raises `DiveError`."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / LOCK_NAME

    def _owner(self) -> tuple[int, str]:
        try:
            pid, _, since = self.path.read_text().partition(" ")
            return int(pid), since.strip()
        except (OSError, ValueError):
            return 0, ""  # unreadable or half-written: treated as stale below

    def _young(self, seconds: float = 5.0) -> bool:
        try:
            return time.time() - self.path.stat().st_mtime < seconds
        except OSError:
            return False

    def acquire(self) -> None:
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                pid, since = self._owner()
                if not pid and self._young():  # another run has created it and is writing its pid right now
                    raise DiveError(
                        f"{self.path.parent} is being taken by another dive run; give this one another --out"
                    ) from None
                if pid and pid != os.getpid() and _alive(pid):
                    raise DiveError(f"{self.path.parent} is in use by another dive run (pid {pid}, since {since}); "
                                    "wait for it to finish, or give this run another --out") from None  # fmt: skip
                stale = self.path.with_name(f"{LOCK_NAME}.stale.{os.getpid()}")
                try:
                    os.replace(self.path, stale)  # atomic: of two processes taking over, one moves it
                    stale.unlink()
                except FileNotFoundError:
                    pass
                continue
            with os.fdopen(fd, "w") as f:
                f.write(f"{os.getpid()} {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
            return
        raise DiveError(f"cannot take the lock {self.path}: another run keeps taking it")

    def release(self) -> None:
        if self._owner()[0] == os.getpid():
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> FolderLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
