"""The store's own facts (``store_info``): key-value pairs such as the embedding model, the
store's id, and the generation counter every document write bumps."""

from __future__ import annotations

from ingest.registry.tables import Tables


class StoreInfo(Tables):
    def info(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM store_info WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_info(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO store_info VALUES (?, ?)", (key, value))

    def set_info_once(self, key: str, value: str) -> str:
        """Store ``value`` under ``key`` unless a value is there already; the value stored. The
        first of two processes doing this at once wins."""
        self.db.execute("INSERT OR IGNORE INTO store_info VALUES (?, ?)", (key, value))
        return str(self.info(key))

    @property
    def generation(self) -> int:
        return int(self.info("generation") or 0)

    def _bump_generation(self) -> None:
        self.db.execute(
            "UPDATE store_info SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'"
        )
