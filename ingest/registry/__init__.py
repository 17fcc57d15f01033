"""The document registry: SQLite, the store's source of truth.

Chroma is derived from it; the lexical index (FTS5) is part of it. A document's row, its chunk
rows and their lexical rows change in one transaction, which is the commit point of an ingest:
whatever Chroma holds beyond it is repaired from here, guided by the write journal (see
`ingest.store`). Schema changes are explicit, numbered migrations
(`PRAGMA user_version`, ingest/registry_schema.py), in the manner of simonw/llm.

`Registry` is made of one class per group of tables, each in its own module of this package and
all on one connection (`tables.py`): the store's own facts (`store_info.py`), documents,
chunks, their lexical index (`fts.py`), the write journal, company identities, the embedding
cache (`vectors.py`), near-duplicate articles (`duplicates.py`) and facts. Its own methods are
the writes that span them: a document put, its metadata replaced, or deleted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.documents import Chunk, DocMeta, Document
from ingest.identity import document_identity
from ingest.migrations import connect, migrate
from ingest.registry.chunks import ChunkRecord, ChunkTable
from ingest.registry.documents import DocRecord, DocumentTable
from ingest.registry.duplicates import DuplicateSource, DuplicateTable
from ingest.registry.facts import FactTable
from ingest.registry.fts import LexicalTable
from ingest.registry.identities import IdentityTable
from ingest.registry.journal import WriteJournal
from ingest.registry.vectors import VectorCache
from ingest.registry_schema import MIGRATIONS

if TYPE_CHECKING:
    from ingest.facts import Fact

__all__ = ["ChunkRecord", "DocRecord", "DuplicateSource", "Registry"]


class Registry(DocumentTable, ChunkTable, LexicalTable, FactTable, IdentityTable, WriteJournal,
               VectorCache, DuplicateTable):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = connect(path)
        self.db.execute("PRAGMA synchronous=NORMAL")
        migrate(self.db, MIGRATIONS)
        self._fill_identities()

    def close(self) -> None:
        self.db.close()

    def put_document(self, doc: Document, chunks: Sequence[Chunk], facts: Sequence[Fact] = (),
                     vector_hashes: Mapping[str, str] | None = None) -> None:
        """Replace the document, all its chunks and its facts in one transaction (the commit
        point); the old document's facts go with it (ON DELETE CASCADE). ``vector_hashes`` maps a
        chunk id to the embedding-cache key of the vector written for it; a chunk kept from the
        document's previous version keeps its own when the mapping does not name it."""
        with self._transaction():
            hash_of = {**self._vector_hashes_of(doc.doc_id), **(vector_hashes or {})}
            self._replace_document_row(doc, len(chunks))
            self._insert_chunks(chunks, hash_of)
            self._insert_facts(doc.doc_id, facts)
            self._put_identity(doc.doc_id, document_identity(doc.meta, doc.text))
            self._bump_generation()

    def update_meta(self, doc_id: str, meta: DocMeta,
                    vector_hashes: Mapping[str, str] | None = None) -> bool:
        """Replace a stored document's metadata (and its facts' company); False if not stored.
        ``vector_hashes``: its chunks' new embedding-cache keys, where they were embedded again."""
        with self._transaction():
            updated = self._set_meta_row(doc_id, meta)
            self._set_vector_hashes(doc_id, vector_hashes or {})
            self._bump_generation()
            self._set_facts_company(doc_id, meta.company)
            if updated:
                self._delete_identity(doc_id)
                self._put_identity(doc_id, document_identity(meta, self._document_head(doc_id)))
        return updated

    def delete_document(self, doc_id: str) -> bool:
        with self._transaction():
            deleted = self._delete_document_row(doc_id)
            if deleted:
                self._forget_companies()
                self._bump_generation()
        return deleted
