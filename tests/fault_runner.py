"""Test-only: run the `dossier` CLI with a fault injected at a named point of the write path.

    python -m tests.fault_runner kill  POINT N -- ingest FOLDER      # SIGKILL itself
    python -m tests.fault_runner pause POINT N -- ingest FOLDER      # wait, then go on
    python -m tests.fault_runner gate  POINT N -- ingest FOLDER      # wait before, start together

The fault fires right after the N-th return from POINT (1-based), so the process dies (or holds
the writer lock) exactly between two steps of the store's write order. Before it fires, the
runner creates the file named by DOSSIER_FAULT_MARK (if set), so a test knows the moment came.
A pause lasts until the file DOSSIER_FAULT_RELEASE exists, or DOSSIER_FAULT_PAUSE_S (30) passes.
A gate waits right before the N-th call, on a shared lock of the file DOSSIER_FAULT_GATE that the
test holds exclusively: when the test lets go, every process at the gate goes on at once.
Nothing here is imported by Dossier itself: the product has no fault hooks.
"""

from __future__ import annotations

import fcntl
import functools
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest.registry import Registry
from ingest.store import Store

# point name -> (owner, attribute) wrapped
POINTS: dict[str, tuple[Any, str]] = {
    "embedded": (Store, "_complete_vectors"),  # vectors computed and cached in the registry
    "journal-written": (Registry, "begin_write"),  # the write journalled, Chroma not yet touched
    "chroma-upserted": (Store, "_upsert"),  # new vectors in Chroma, registry not yet committed
    "registry-committed": (Registry, "put_document"),  # commit point passed, stale vectors kept
    "stale-deleted": (Store, "_delete_vectors"),  # Chroma cleaned, the journal not yet cleared
    "journal-cleared": (Registry, "end_write"),  # a document's write finished
    "store-open": (Store, "__init__"),  # the store opened: its registry and Chroma created if new
}


def _fire(action: str) -> None:
    mark = os.environ.get("DOSSIER_FAULT_MARK")
    if mark:
        Path(mark).write_text(f"{os.getpid()}\n")
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    release = os.environ.get("DOSSIER_FAULT_RELEASE")
    deadline = time.monotonic() + float(os.environ.get("DOSSIER_FAULT_PAUSE_S", "30"))
    while time.monotonic() < deadline and not (release and Path(release).exists()):
        time.sleep(0.05)


def _gate() -> None:
    mark = os.environ.get("DOSSIER_FAULT_MARK")
    if mark:
        Path(mark).write_text(f"{os.getpid()}\n")
    fd = os.open(os.environ["DOSSIER_FAULT_GATE"], os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)  # blocks while the test holds it exclusively
    finally:
        os.close(fd)


def _before_nth(func: Callable[..., Any], nth: int) -> Callable[..., Any]:
    calls = 0

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == nth:
            _gate()
        return func(*args, **kwargs)

    return wrapper


def _after_nth(func: Callable[..., Any], nth: int, action: str) -> Callable[..., Any]:
    calls = 0

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        result = func(*args, **kwargs)
        calls += 1
        if calls == nth:
            _fire(action)
        return result

    return wrapper


def main(argv: list[str]) -> None:
    action, point, nth_text, sep, *cli_args = argv
    assert action in ("kill", "pause", "gate") and sep == "--", __doc__
    nth = int(nth_text)
    owner, name = POINTS[point]
    wrap = _before_nth(getattr(owner, name), nth) if action == "gate" else \
        _after_nth(getattr(owner, name), nth, action)
    setattr(owner, name, wrap)
    from assistant.cli import app

    sys.argv = ["dossier", *cli_args]
    app()


if __name__ == "__main__":
    main(sys.argv[1:])
