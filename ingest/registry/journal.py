"""The write journal (``pending_writes``, registry migration 6): each document write begun and
not finished, with every chunk id it may have left in Chroma, so that opening the store for
writing repairs only those (see ingest/store.py's write order)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from ingest.registry.store_info import StoreInfo


class WriteJournal(StoreInfo):
    def begin_write(self, doc_id: str, chunk_ids: Iterable[str]) -> None:
        """Journal a document's write before Chroma is touched: every chunk id it may leave there."""
        self.db.execute("INSERT OR REPLACE INTO pending_writes VALUES (?, ?)",
                        (doc_id, json.dumps(sorted(set(chunk_ids)))))

    def end_write(self, doc_id: str) -> None:
        """The document's write is finished: Chroma holds exactly what the registry names."""
        self.db.execute("DELETE FROM pending_writes WHERE doc_id=?", (doc_id,))

    def pending_writes(self) -> list[tuple[str, set[str]]]:
        """(doc_id, chunk ids) of each write begun and not finished."""
        rows = self.db.execute("SELECT doc_id, chunk_ids_json FROM pending_writes ORDER BY doc_id")
        return [(doc_id, set(json.loads(ids))) for doc_id, ids in rows]

    def needs_full_repair(self) -> bool:
        """Whether the store predates the journal and was never checked whole since."""
        return self.info("full_repair") == "1"

    def full_repair_done(self) -> None:
        with self._transaction():
            self.db.execute("DELETE FROM pending_writes")
            self.db.execute("DELETE FROM store_info WHERE key='full_repair'")
