"""A file's sha256, remembered between processes for as long as the file is unchanged.

The local model's files are checked against their pinned sha256 before use; hashing them (23 MB
and 90 MB) cost ~0.1 s of CPU at every `dossier search`. The digest is kept in
``<folder>/<hash of the path>.json`` beside the file's identity when it was hashed: path, size,
modification and change times (ns), inode and device. A write to the file, a rename over it or a
`touch` back to an old modification time all change its change time (ctime), which a program
cannot set, so any changed file is hashed again and checked. Not seen: a change made beneath the
file system (a disk's bit rot, writes to the raw device). A record that cannot be read or
written is ignored: the file is hashed, as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)


def file_sha256(path: Path, memo_dir: Path | None = None) -> str:
    """The sha256 of the file at `path` (hex). With `memo_dir`, read from the record of an
    earlier hash when the file's identity is unchanged, else computed and recorded there."""
    if memo_dir is None:
        return _hash(path)
    record = memo_dir / (hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:24] + ".json")
    identity = _identity(path)
    try:
        kept = json.loads(record.read_text(encoding="utf-8"))
        if kept["identity"] == identity and isinstance(kept["sha256"], str):
            return str(kept["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    digest = _hash(path)
    if _identity(path) == identity:  # unchanged while it was read: safe to remember
        _remember(record, {"identity": identity, "sha256": digest})
    return digest


def _identity(path: Path) -> list[object]:
    st = path.stat()
    return [str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def _hash(path: Path) -> str:
    """Read through a memory map: no copy of the file in Python."""
    with path.open("rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return hashlib.sha256(b"").hexdigest()
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            return hashlib.sha256(mapped).hexdigest()


def _remember(record: Path, content: dict[str, object]) -> None:
    """Write the record whole (a temporary file renamed into place), or not at all."""
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=record.name + ".", suffix=".tmp", dir=record.parent)
    except OSError as exc:
        logger.debug("Cannot record a file's digest in %s: %s", record.parent, exc)
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(content, f)
        os.replace(tmp, record)
    except OSError as exc:
        logger.debug("Cannot record a file's digest in %s: %s", record, exc)
        Path(tmp).unlink(missing_ok=True)
