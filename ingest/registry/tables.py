"""What every group of registry tables shares: the one SQLite connection, and its transactions.

The registry (ingest/registry/__init__.py) is one class made of a class per group of tables
(documents, chunks, the lexical index, the write journal, company identities, the embedding
cache, near-duplicates, facts); each reads and writes its own tables through ``self.db``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence

SQL_BATCH = 500  # values per `IN (...)` list, well under SQLite's limit on a statement's variables


class Tables:
    """A group of the registry's tables, on the registry's connection (``db``)."""

    db: sqlite3.Connection

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")


def batches(values: Iterable[str]) -> Iterator[list[str]]:
    """``values`` in lists of at most SQL_BATCH, in order."""
    wanted = list(values)
    for i in range(0, len(wanted), SQL_BATCH):
        yield wanted[i : i + SQL_BATCH]


def placeholders(values: Sequence[object]) -> str:
    """``?,?,...``: one SQL placeholder per value."""
    return ",".join("?" * len(values))
