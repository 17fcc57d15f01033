"""SQLite files whose schema changes by explicit, numbered migrations (`PRAGMA user_version`), in
the manner of simonw/llm: the registry (ingest/registry/) and the chat's conversations
(assistant/conversations.py). Migration n is the script `migrations[n - 1]`; a file at version v
gets the scripts after v, each in its own transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating its folder) a file shared by threads and processes: autocommit (callers
    open their own transactions), write-ahead log, foreign keys enforced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    return db


def migrate(db: sqlite3.Connection, migrations: Sequence[str]) -> None:
    """Bring `db` up to `len(migrations)`, running each migration it has not had yet. Two
    processes opening a new file at once must not both run a migration: each reads the version
    under the write lock (BEGIN IMMEDIATE, which waits out the connection's busy timeout), so the
    second sees what the first did."""
    while _version(db) < len(migrations):
        db.execute("BEGIN IMMEDIATE")
        try:
            version = _version(db)
            if version < len(migrations):
                for statement in _statements(migrations[version]):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version={version + 1}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


def _version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def _statements(script: str) -> Iterator[str]:
    """The SQL statements of a migration script, one at a time (executescript would commit the
    transaction they must run in)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""
    if pending.strip():
        raise ValueError(f"a migration ends in an incomplete statement: {pending.strip()[:80]}")
