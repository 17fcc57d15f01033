"""For the migration tests (test_registry.py, test_conversations.py): a file left at an older
schema version with rows in it, opened (which migrates it) and compared with a fresh file."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

from ingest.migrations import migrate


def schema(db: sqlite3.Connection) -> list[tuple[str, str, str]]:
    return db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()


def columns(db: sqlite3.Connection, table: str) -> list[str]:
    """A table's column names, quoted, in order."""
    return [f'"{row[1]}"' for row in db.execute(f"PRAGMA table_info({table})")]


def build_schema_at(path: Path, migrations: Sequence[str], version: int,
                    rows: dict[str, list[tuple[object, ...]]]) -> list[str]:
    """A file as Dossier left it at schema `version` (its first migrations, in turn), filled
    with the `rows` of each table it has; the tables filled."""
    db = sqlite3.connect(path, isolation_level=None)
    migrate(db, migrations[:version])
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    filled = [t for t in rows if t in tables]
    for table in filled:
        width = len(rows[table][0])  # the columns the first schema gave it; later ones stay empty
        named = ", ".join(columns(db, table)[:width])
        db.executemany(f"INSERT INTO {table} ({named}) VALUES ({','.join('?' * width)})", rows[table])
    db.close()
    return filled


def assert_migrated(db: sqlite3.Connection, fresh: sqlite3.Connection, version: int,
                    filled: Sequence[str], rows: dict[str, list[tuple[object, ...]]]) -> None:
    """`db`, migrated from an older file, is at `version` with a fresh file's schema, and every
    row put into the older file is still there as it was."""
    assert db.execute("PRAGMA user_version").fetchone()[0] == version
    assert schema(db) == schema(fresh)
    for table in filled:
        first = ", ".join(columns(db, table)[: len(rows[table][0])])
        assert db.execute(f"SELECT {first} FROM {table}").fetchall() == rows[table]


class SqliteFile(Protocol):
    """What opens a file and migrates it: the registry, the conversation store."""

    @property
    def db(self) -> sqlite3.Connection: ...

    def close(self) -> None: ...


Opened = TypeVar("Opened", bound=SqliteFile)


@contextlib.contextmanager
def migrated_from(version: int, path: Path, open_file: Callable[[Path], Opened],
                  migrations: Sequence[str],
                  rows: dict[str, list[tuple[object, ...]]]) -> Iterator[tuple[Opened, list[str]]]:
    """`path` left at schema `version` with `rows` in it (build_schema_at), then opened with
    `open_file`, which migrates it; checked against a fresh file beside it (assert_migrated).
    Yields the opened file and the tables filled; both files are closed after."""
    filled = build_schema_at(path, migrations, version, rows)
    opened = open_file(path)  # migrates
    fresh = open_file(path.parent / "fresh.sqlite3")
    try:
        assert_migrated(opened.db, fresh.db, len(migrations), filled, rows)
        yield opened, filled
    finally:
        opened.close()
        fresh.close()
