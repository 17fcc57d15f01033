"""The ``documents`` table: one row per stored document (its source, content hash, kind,
metadata, text and chunk count)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from ingest.documents import DocMeta, Document
from ingest.identity import HEAD_CHARS as IDENTITY_HEAD_CHARS
from ingest.registry.store_info import StoreInfo
from ingest.registry.tables import batches, placeholders

_DOC_COLUMNS = "doc_id, source, content_hash, kind, meta_json, n_chunks, ingested_at"


@dataclass(frozen=True)
class DocRecord:
    doc_id: str
    source: str
    content_hash: str
    kind: str
    meta: DocMeta
    n_chunks: int
    ingested_at: str


class DocumentTable(StoreInfo):
    _metas: tuple[int, dict[str, DocMeta]] | None = None  # (generation, metadata by doc_id)

    def document_by_source(self, source: str) -> DocRecord | None:
        row = self.db.execute(f"SELECT {_DOC_COLUMNS} FROM documents WHERE source=?",
                              (source,)).fetchone()
        return None if row is None else _doc_record(row)

    def documents(self) -> list[DocRecord]:
        rows = self.db.execute(
            f"SELECT {_DOC_COLUMNS} FROM documents ORDER BY ingested_at, source").fetchall()
        return [_doc_record(r) for r in rows]

    def document_text(self, doc_id: str) -> str | None:
        row = self.db.execute("SELECT text FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return None if row is None else str(row[0])

    def doc_ids(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT doc_id FROM documents")]

    def chunk_count(self, doc_ids: Iterable[str]) -> int:
        """How many chunks these documents hold (from their rows: no chunk is read)."""
        total = 0
        for part in batches(doc_ids):
            total += self.db.execute(
                f"SELECT COALESCE(SUM(n_chunks), 0) FROM documents WHERE doc_id IN "
                f"({placeholders(part)})", part).fetchone()[0]
        return total

    def chunk_total(self) -> int:
        """How many chunks the store holds (from the documents' rows)."""
        return int(self.db.execute("SELECT COALESCE(SUM(n_chunks), 0) FROM documents").fetchone()[0])

    def metas(self) -> dict[str, DocMeta]:
        """Every document's metadata, by doc_id; parsed again only after a write (this process's
        or another's) changed the documents."""
        generation = self.generation
        if self._metas is None or self._metas[0] != generation:
            rows = self.db.execute("SELECT doc_id, meta_json FROM documents").fetchall()
            self._metas = (generation, {r[0]: DocMeta.model_validate_json(r[1]) for r in rows})
        return dict(self._metas[1])

    # writes, inside the registry's transactions (see Registry) ---------------------------------
    def _replace_document_row(self, doc: Document, n_chunks: int) -> None:
        """The document's row, replacing any with its id or source (and, by ON DELETE CASCADE,
        their chunks and facts)."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self.db.execute("DELETE FROM documents WHERE doc_id=? OR source=?",
                        (doc.doc_id, doc.meta.source))
        self.db.execute(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (doc.doc_id, doc.meta.source, doc.content_hash, doc.kind,
             doc.meta.model_dump_json(), doc.text, n_chunks, now),
        )

    def _set_meta_row(self, doc_id: str, meta: DocMeta) -> bool:
        """Replace a stored document's metadata; False if it is not stored."""
        return bool(self.db.execute("UPDATE documents SET meta_json=? WHERE doc_id=?",
                                    (meta.model_dump_json(), doc_id)).rowcount)

    def _document_head(self, doc_id: str) -> str:
        """The start of a stored document's text, as much as its company identity reads."""
        head: str = self.db.execute("SELECT substr(text, 1, ?) FROM documents WHERE doc_id=?",
                                    (IDENTITY_HEAD_CHARS, doc_id)).fetchone()[0]
        return head

    def _delete_document_row(self, doc_id: str) -> bool:
        return bool(self.db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,)).rowcount)


def _doc_record(row: tuple[str, str, str, str, str, int, str]) -> DocRecord:
    doc_id, source, content_hash, kind, meta_json, n_chunks, ingested_at = row
    return DocRecord(doc_id, source, content_hash, kind, DocMeta.model_validate(json.loads(meta_json)),
                     n_chunks, ingested_at)
