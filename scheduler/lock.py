"""One sender per SQLite file: an exclusive OS file lock beside the database.

SQLite has one writer at a time, so a second sender on the same file adds no throughput, only
lock waits. PostgreSQL needs no lock: workers share the due rows through FOR UPDATE SKIP LOCKED.
The lock is the kernel's (flock): it goes with the process, however the process ends.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url


class SenderLockHeldError(RuntimeError):
    """Another process already sends for this SQLite database."""

    def __init__(self, path: Path) -> None:
        holder = _holder(path)
        by = f" (pid {holder})" if holder else ""
        super().__init__(f"another process{by} holds the sender lock {path}")
        self.path = path
        self.holder = holder


@dataclass
class SenderLock:
    """The held lock (or none, where the database needs none); release it when done."""

    path: Path | None
    _fd: int | None = None

    def release(self) -> None:
        """Let another process send; the file stays, its lock goes."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def lock_path(database_url: str) -> Path | None:
    """Return the lock file for a SQLite file database; None where no lock is needed."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    database = Path(url.database).resolve()
    return database.with_name(database.name + ".sender.lock")


def acquire_sender_lock(database_url: str) -> SenderLock:
    """Take the sender lock without waiting; raise SenderLockHeldError if another process has it."""
    path = lock_path(database_url)
    if path is None:
        return SenderLock(path=None)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as error:
        os.close(fd)
        raise SenderLockHeldError(path) from error
    # The holder's pid, for an operator who wonders which process it is; the lock is the flock.
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return SenderLock(path=path, _fd=fd)


def _holder(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""
