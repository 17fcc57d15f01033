"""The registry's migrations: an older store is brought up to date in one transaction, keeping its
rows; a migration that fails leaves the store as it was. (Two processes creating a store at once:
tests/test_lock.py.)"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ingest import registry as registry_module
from ingest.registry import MIGRATIONS, Registry


def version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("PRAGMA user_version").fetchone()[0])


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_a_store_of_the_first_schema_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "registry.sqlite3"
    with sqlite3.connect(path) as db:  # a store written before the later migrations existed
        db.executescript(MIGRATIONS[0] + "\nPRAGMA user_version=1;")
        db.execute("INSERT INTO store_info VALUES ('embedding_model', 'old-model')")
    registry = Registry(path)
    try:
        assert version(path) == len(MIGRATIONS)
        assert {"signatures", "duplicate_sources"} <= tables(path)
        assert registry.info("embedding_model") == "old-model"
    finally:
        registry.close()
    Registry(path).close()  # already current: opening again changes nothing
    assert version(path) == len(MIGRATIONS)


def test_a_failing_migration_leaves_the_store_as_it_was(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "registry.sqlite3"
    Registry(path).close()
    before = tables(path)
    broken = "CREATE TABLE half_done (x INTEGER);\nCREATE TABLE documents (x INTEGER);"
    monkeypatch.setattr(registry_module, "MIGRATIONS", [*MIGRATIONS, broken])
    with pytest.raises(sqlite3.OperationalError, match="documents already exists"):
        Registry(path)
    assert version(path) == len(MIGRATIONS) and tables(path) == before  # no half_done table
