"""One writer at a time per store, and one process at a time opening it: advisory lock files in
the store's folder."""

from __future__ import annotations

import fcntl
import os
import socket
import time
from pathlib import Path
from types import TracebackType
from typing import Self

from ingest.errors import DossierError


class StoreBusyError(DossierError, RuntimeError):
    pass


def _acquire(path: Path, wait_s: float) -> tuple[int | None, str]:
    """An open descriptor of `path` holding its exclusive lock, with this process named in it;
    or (None, the holder's name) when another process still holds it after `wait_s`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
                os.close(fd)
                return None, holder
            time.sleep(0.05)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}".encode(), 0)
    return fd, ""


def _release(fd: int) -> None:
    os.ftruncate(fd, 0)
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


class _StoreLock:
    """An exclusive lock on a file in the store's folder, from __enter__ to __exit__."""

    file_name = ""

    def __init__(self, home: Path, wait_s: float) -> None:
        self.path = home / self.file_name
        self.wait_s = wait_s
        self._fd: int | None = None

    def busy(self, holder: str) -> StoreBusyError:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._fd, holder = _acquire(self.path, self.wait_s)
        if self._fd is None:
            raise self.busy(holder)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            _release(self._fd)
            self._fd = None


class WriterLock(_StoreLock):
    """One writer at a time: held around any write (a whole ingest)."""

    file_name = "writer.lock"

    def __init__(self, home: Path, wait_s: float = 0.0) -> None:
        super().__init__(home, wait_s)

    def busy(self, holder: str) -> StoreBusyError:
        return StoreBusyError(f"another ingest is writing to {self.path.parent} ({holder}); "
                              "wait for it to finish, or use --wait")


class OpenLock(_StoreLock):
    """One process at a time opens a store. The first open creates the registry's tables and
    Chroma's files, and two processes doing that at once collide ("table ... already exists");
    the lock is held only while opening, never through an ingest."""

    file_name = "open.lock"

    def __init__(self, home: Path, wait_s: float = 120.0) -> None:
        super().__init__(home, wait_s)

    def busy(self, holder: str) -> StoreBusyError:
        return StoreBusyError(f"another process ({holder}) has been opening the store at "
                              f"{self.path.parent} for {self.wait_s:.0f} s; try again when it is done")
