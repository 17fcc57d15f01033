"""SQLite files whose schema changes by explicit, numbered migrations (`PRAGMA user_version`), in
the manner of simonw/llm: the registry (ingest/registry.py) and the chat's conversations
(assistant/conversations.py). Migration n is the script `migrations[n - 1]`; a file at version v
gets the scripts after v, each in its own transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
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
    """Bring `db` up to `len(migrations)`, running each migration it has not had yet."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(migrations[version:], start=version + 1):
        db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version={number};\nCOMMIT;")
