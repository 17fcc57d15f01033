"""Near-duplicate articles (ingest/dedup.py, registry migration 2): each stored article's MinHash
signature (``signatures``) and the other sources where its text was found
(``duplicate_sources``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingest.registry.tables import Tables


@dataclass(frozen=True)
class DuplicateSource:
    """Another source where a stored article's text was found (see ingest/dedup.py)."""

    source: str
    url: str | None
    site: str | None
    similarity: float
    found_at: str


class DuplicateTable(Tables):
    def signatures(self) -> list[tuple[str, str, np.ndarray]]:
        """(doc_id, source, MinHash values) of every stored article that has a signature."""
        rows = self.db.execute(
            "SELECT s.doc_id, d.source, s.minhash FROM signatures s JOIN documents d USING (doc_id)"
        ).fetchall()
        return [(doc_id, source, np.frombuffer(blob, dtype=np.uint64)) for doc_id, source, blob in rows]

    def put_signature(self, doc_id: str, source: str, minhash: np.ndarray) -> None:
        """Keep a stored article's signature; its source is no longer anyone's duplicate."""
        self.db.execute("INSERT OR REPLACE INTO signatures VALUES (?, ?)",
                        (doc_id, np.asarray(minhash, dtype=np.uint64).tobytes()))
        self.db.execute("DELETE FROM duplicate_sources WHERE source=?", (source,))

    def add_duplicate_source(self, doc_id: str, title: str | None, duplicate: DuplicateSource) -> None:
        """Record ``duplicate`` as another place where document ``doc_id``'s text was found."""
        self.db.execute(
            "INSERT OR REPLACE INTO duplicate_sources VALUES (?, ?, ?, ?, ?, ?, ?)",
            (duplicate.source, doc_id, duplicate.url, duplicate.site, title, duplicate.similarity,
             duplicate.found_at),
        )

    def duplicate_sources(self, doc_id: str) -> list[DuplicateSource]:
        """The other sources where a stored document's text was found, oldest first."""
        rows = self.db.execute(
            "SELECT source, url, site, similarity, found_at FROM duplicate_sources WHERE doc_id=? "
            "ORDER BY found_at, source", (doc_id,),
        ).fetchall()
        return [DuplicateSource(*row) for row in rows]

    def is_duplicate_source(self, source: str) -> bool:
        """Whether ``source`` is recorded as a duplicate of a document still stored."""
        row = self.db.execute(
            "SELECT 1 FROM duplicate_sources x JOIN documents d USING (doc_id) WHERE x.source=?",
            (source,),
        ).fetchone()
        return row is not None
