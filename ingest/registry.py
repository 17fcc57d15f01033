"""The document registry: SQLite, the store's source of truth.

Chroma is derived from it; the lexical index (FTS5) is part of it. A document's row, its chunk
rows and their lexical rows change in one transaction, which is the commit point of an ingest:
whatever Chroma holds beyond it is repaired from here, guided by the write journal (see
`ingest.store`). Schema changes are explicit, numbered migrations
(`PRAGMA user_version`), in the manner of simonw/llm.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ingest.documents import Chunk, DocMeta, Document
from ingest.identity import HEAD_CHARS as IDENTITY_HEAD_CHARS
from ingest.identity import Alias, CompanyIdentity, document_identity, merge_identities
from ingest.migrations import connect, migrate
from ingest.registry_schema import MIGRATIONS

if TYPE_CHECKING:  # ingest.facts loads the loaders (lxml, trafilatura): only where facts are read
    from ingest.facts import Fact

_IDENTITIES_FILLED = "identities_filled"  # store_info key: older documents' identities written
_FACT_COLUMNS = ("doc_id, chunk_id, page, company, statement, line_item, parents_json, line_item_id, "
                 "header, period_start, period_end, fiscal_period, value, text, unit, currency, "
                 "scale, concept")


@dataclass(frozen=True)
class DocRecord:
    doc_id: str
    source: str
    content_hash: str
    kind: str
    meta: DocMeta
    n_chunks: int
    ingested_at: str


@dataclass(frozen=True)
class DuplicateSource:
    """Another source where a stored article's text was found (see ingest/dedup.py)."""

    source: str
    url: str | None
    site: str | None
    similarity: float
    found_at: str


@dataclass(frozen=True)
class ChunkRecord:
    chunk_id: str
    doc_id: str
    ordinal: int
    text: str
    start: int
    end: int
    page: int | None
    section: str | None
    printed_page: str | None = None
    statement: str | None = None


_CHUNK_COLUMNS = 'chunk_id, doc_id, ordinal, text, start, "end", page, section, printed_page, statement'


class Registry:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = connect(path)
        self.db.execute("PRAGMA synchronous=NORMAL")
        migrate(self.db, MIGRATIONS)
        self._companies: tuple[int, list[CompanyIdentity]] | None = None
        self._metas: tuple[int, dict[str, DocMeta]] | None = None
        if self.info(_IDENTITIES_FILLED) is None:
            self._fill_identities()

    def close(self) -> None:
        self.db.close()

    # store facts -----------------------------------------------------------------------------
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

    # documents -------------------------------------------------------------------------------
    def document_by_source(self, source: str) -> DocRecord | None:
        row = self.db.execute(
            "SELECT doc_id, source, content_hash, kind, meta_json, n_chunks, ingested_at "
            "FROM documents WHERE source=?",
            (source,),
        ).fetchone()
        return None if row is None else _doc_record(row)

    def documents(self) -> list[DocRecord]:
        rows = self.db.execute(
            "SELECT doc_id, source, content_hash, kind, meta_json, n_chunks, ingested_at "
            "FROM documents ORDER BY ingested_at, source"
        ).fetchall()
        return [_doc_record(r) for r in rows]

    def document_text(self, doc_id: str) -> str | None:
        row = self.db.execute("SELECT text FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return None if row is None else str(row[0])

    def chunk_ids_of(self, doc_id: str) -> list[str]:
        rows = self.db.execute(
            "SELECT chunk_id FROM chunks WHERE doc_id=? ORDER BY ordinal", (doc_id,)
        ).fetchall()
        return [r[0] for r in rows]

    def statements_of(self, doc_id: str) -> dict[str, str | None]:
        """Each stored chunk's statement label (see ingest/statements.py), by chunk id."""
        rows = self.db.execute("SELECT chunk_id, statement FROM chunks WHERE doc_id=?", (doc_id,))
        return {r[0]: r[1] for r in rows}

    def chunk_ids_with_statement(self, statements: Iterable[str], doc_ids: Iterable[str]) -> set[str]:
        """The chunks of `doc_ids` labelled with any of `statements`."""
        wanted, docs = sorted(set(statements)), sorted(set(doc_ids))
        out: set[str] = set()
        for i in range(0, len(docs), 500):
            part = docs[i : i + 500]
            rows = self.db.execute(
                f"SELECT chunk_id FROM chunks WHERE doc_id IN ({','.join('?' * len(part))}) "
                f"AND statement IN ({','.join('?' * len(wanted))})", [*part, *wanted])
            out |= {r[0] for r in rows}
        return out

    def put_document(self, doc: Document, chunks: Sequence[Chunk], facts: Sequence[Fact] = (),
                     vector_hashes: Mapping[str, str] | None = None) -> None:
        """Replace the document, all its chunks and its facts in one transaction (the commit
        point); the old document's facts go with it (ON DELETE CASCADE). ``vector_hashes`` maps a
        chunk id to the embedding-cache key of the vector written for it; a chunk kept from the
        document's previous version keeps its own when the mapping does not name it."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._transaction():
            kept = dict(self.db.execute(
                "SELECT chunk_id, vector_hash FROM chunks WHERE doc_id=? AND vector_hash IS NOT NULL",
                (doc.doc_id,)).fetchall())
            hash_of = {**kept, **(vector_hashes or {})}
            self.db.execute("DELETE FROM documents WHERE doc_id=? OR source=?",
                            (doc.doc_id, doc.meta.source))
            self.db.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (doc.doc_id, doc.meta.source, doc.content_hash, doc.kind,
                 doc.meta.model_dump_json(), doc.text, len(chunks), now),
            )
            self.db.executemany(
                f"INSERT INTO chunks ({_CHUNK_COLUMNS}, vector_hash) VALUES ({', '.join('?' * 11)})",
                [(c.chunk_id, c.doc_id, i, c.text, c.start, c.end, c.page, c.section, c.printed_page,
                  c.statement, hash_of.get(c.chunk_id)) for i, c in enumerate(chunks)],
            )
            self.db.executemany(
                f"INSERT INTO facts (ordinal, {_FACT_COLUMNS}) VALUES ({', '.join('?' * 19)})",
                [(i, doc.doc_id, f.chunk_id, f.page, f.company, f.statement, f.line_item,
                  json.dumps(list(f.parents)), f.line_item_id, f.header, f.period_start,
                  f.period_end, f.fiscal_period, str(f.value), f.text, f.unit, f.currency, f.scale,
                  f.concept) for i, f in enumerate(facts)],
            )
            self._put_identity(doc.doc_id, document_identity(doc.meta, doc.text))
            self._bump_generation()

    def update_meta(self, doc_id: str, meta: DocMeta,
                    vector_hashes: Mapping[str, str] | None = None) -> bool:
        """Replace a stored document's metadata (and its facts' company); False if not stored.
        ``vector_hashes``: its chunks' new embedding-cache keys, where they were embedded again."""
        with self._transaction():
            updated = self.db.execute("UPDATE documents SET meta_json=? WHERE doc_id=?",
                                      (meta.model_dump_json(), doc_id)).rowcount
            self.db.executemany("UPDATE chunks SET vector_hash=? WHERE chunk_id=? AND doc_id=?",
                                [(h, cid, doc_id) for cid, h in (vector_hashes or {}).items()])
            self._bump_generation()
            self.db.execute("UPDATE facts SET company=? WHERE doc_id=?", (meta.company, doc_id))
            if updated:
                self.db.execute("DELETE FROM identities WHERE doc_id=?", (doc_id,))
                head = self.db.execute("SELECT substr(text, 1, ?) FROM documents WHERE doc_id=?",
                                       (IDENTITY_HEAD_CHARS, doc_id)).fetchone()[0]
                self._put_identity(doc_id, document_identity(meta, head))
        return bool(updated)

    def delete_document(self, doc_id: str) -> bool:
        with self._transaction():
            deleted = self.db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,)).rowcount
            if deleted:
                self._companies = None
                self._bump_generation()
        return bool(deleted)

    def _bump_generation(self) -> None:
        self.db.execute(
            "UPDATE store_info SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'"
        )

    # the write journal (see ingest/store.py) -------------------------------------------------
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

    # chunks ----------------------------------------------------------------------------------
    def all_chunk_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT chunk_id FROM chunks")}

    def known_chunk_ids(self, ids: Iterable[str]) -> set[str]:
        """Those of ``ids`` the registry names."""
        return set(self.chunks_by_id(ids))

    # the lexical index (ingest/lexical.py) -----------------------------------------------------
    def lexical_search(self, expression: str, k: int) -> list[tuple[str, float]]:
        """Top k (chunk id, BM25 score) for an FTS5 MATCH expression built by
        ingest.lexical.search_expression. Only the text column is weighed; FTS5's bm25() is
        lower for better matches, so the score returned is its negation. Rows are ranked by
        rowid and score alone, and only the top k's chunk ids read (reading each match's id
        before sorting doubled the time at 30k passages)."""
        top = self.db.execute(
            "SELECT rowid, bm25(chunks_fts, 0.0, 0.0, 1.0) AS score FROM chunks_fts "
            "WHERE chunks_fts MATCH ? ORDER BY score LIMIT ?", (expression, k),
        ).fetchall()
        if not top:
            return []
        ids = dict(self.db.execute(
            f"SELECT rowid, chunk_id FROM chunks_fts WHERE rowid IN ({','.join('?' * len(top))})",
            [rowid for rowid, _ in top]).fetchall())
        return [(ids[rowid], -float(score)) for rowid, score in top if rowid in ids]

    def lexical_chunk_ids(self) -> list[str]:
        """Every chunk id the lexical index holds (for checks: the same as the chunks')."""
        return [r[0] for r in self.db.execute("SELECT chunk_id FROM chunks_fts")]

    def iter_chunks(self) -> Iterator[ChunkRecord]:
        cursor = self.db.execute(f"SELECT {_CHUNK_COLUMNS} FROM chunks ORDER BY doc_id, ordinal")
        for row in cursor:
            yield ChunkRecord(*row)

    def chunks_by_id(self, ids: Iterable[str]) -> dict[str, ChunkRecord]:
        wanted = list(ids)
        out: dict[str, ChunkRecord] = {}
        for i in range(0, len(wanted), 500):
            part = wanted[i : i + 500]
            marks = ",".join("?" * len(part))
            for row in self.db.execute(
                f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE chunk_id IN ({marks})", part
            ):
                out[row[0]] = ChunkRecord(*row)
        return out

    def chunk_count(self, doc_ids: Iterable[str]) -> int:
        """How many chunks these documents hold (from their rows: no chunk is read)."""
        wanted, total = list(doc_ids), 0
        for i in range(0, len(wanted), 500):
            part = wanted[i : i + 500]
            total += self.db.execute(
                f"SELECT COALESCE(SUM(n_chunks), 0) FROM documents WHERE doc_id IN "
                f"({','.join('?' * len(part))})", part).fetchone()[0]
        return total

    def doc_ids(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT doc_id FROM documents")]

    def chunk_total(self) -> int:
        """How many chunks the store holds (from the documents' rows)."""
        return int(self.db.execute("SELECT COALESCE(SUM(n_chunks), 0) FROM documents").fetchone()[0])

    def chunks_of(self, doc_ids: Iterable[str]) -> list[ChunkRecord]:
        """The chunks of these documents (in no set order)."""
        wanted = list(doc_ids)
        out: list[ChunkRecord] = []
        for i in range(0, len(wanted), 500):
            part = wanted[i : i + 500]
            out += [ChunkRecord(*row) for row in self.db.execute(
                f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE doc_id IN ({','.join('?' * len(part))})",
                part)]
        return out

    def scope_vectors(self, model: str, doc_ids: Iterable[str]) -> tuple[list[str], np.ndarray] | None:
        """The chunk ids of these documents and their vectors (one row each, float32) from the
        embedding cache, read in one join; None when a chunk has no recorded vector key (written
        before migration 9) or its vector is not cached."""
        wanted = list(doc_ids)
        ids: list[str] = []
        blobs: list[bytes] = []
        for i in range(0, len(wanted), 500):
            part = wanted[i : i + 500]
            marks = ",".join("?" * len(part))
            rows = self.db.execute(
                f"SELECT c.chunk_id, e.vector FROM chunks c LEFT JOIN embeddings e "
                f"ON e.text_hash = c.vector_hash AND e.model = ? WHERE c.doc_id IN ({marks})",
                [model, *part]).fetchall()
            for chunk_id, blob in rows:
                if blob is None:
                    return None
                ids.append(chunk_id)
                blobs.append(blob)
        if not ids:
            return [], np.zeros((0, 0), dtype=np.float32)
        return ids, np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(ids), -1)

    def metas(self) -> dict[str, DocMeta]:
        """Every document's metadata, by doc_id; parsed again only after a write (this process's
        or another's) changed the documents."""
        generation = self.generation
        if self._metas is None or self._metas[0] != generation:
            rows = self.db.execute("SELECT doc_id, meta_json FROM documents").fetchall()
            self._metas = (generation, {r[0]: DocMeta.model_validate_json(r[1]) for r in rows})
        return dict(self._metas[1])

    # company identities (ingest/identity.py) --------------------------------------------------
    def identities(self) -> dict[str, CompanyIdentity]:
        """Each stored document's company identity, by doc_id (documents without a company have
        none)."""
        rows = self.db.execute(
            "SELECT doc_id, legal_name, ticker, cik, aliases_json FROM identities").fetchall()
        return {doc_id: CompanyIdentity(name, ticker, cik, tuple(Alias(**a) for a in json.loads(aliases)))
                for doc_id, name, ticker, cik, aliases in rows}

    def companies(self) -> list[CompanyIdentity]:
        """One entry per company (per CIK, else per name), its other spellings as aliases, in
        the order the companies were first stored."""
        version = int(self.db.execute("PRAGMA data_version").fetchone()[0])  # others' commits
        if self._companies is None or self._companies[0] != version:  # read once per change
            rows = self.db.execute("SELECT doc_id FROM documents ORDER BY ingested_at, source")
            order = {doc_id: i for i, (doc_id,) in enumerate(rows)}
            found = self.identities()
            companies = merge_identities(found[d] for d in sorted(found, key=lambda d: order.get(d, 0)))
            self._companies = (version, companies)
        return list(self._companies[1])

    def _put_identity(self, doc_id: str, identity: CompanyIdentity | None) -> None:
        self._companies = None  # this connection's own writes do not change data_version
        if identity is None:
            return
        self.db.execute(
            "INSERT OR REPLACE INTO identities VALUES (?, ?, ?, ?, ?)",
            (doc_id, identity.legal_name, identity.ticker, identity.cik,
             json.dumps([{"name": a.name, "kind": a.kind} for a in identity.aliases])),
        )

    def _fill_identities(self) -> None:
        """Identities for the documents stored before there were any (migration 7), from their
        stored meta and text: no re-ingest. Runs once per store."""
        with self._transaction():
            if self.info(_IDENTITIES_FILLED) is not None:  # another process did it meanwhile
                return
            rows = self.db.execute(
                "SELECT doc_id, meta_json, substr(text, 1, ?) FROM documents "
                "WHERE doc_id NOT IN (SELECT doc_id FROM identities)", (IDENTITY_HEAD_CHARS,),
            ).fetchall()
            for doc_id, meta_json, head in rows:
                self._put_identity(doc_id, document_identity(DocMeta.model_validate_json(meta_json), head))
            self.set_info(_IDENTITIES_FILLED, "1")

    # embedding cache -------------------------------------------------------------------------
    def cached_vectors(self, model: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(text_hashes), 500):
            part = list(text_hashes[i : i + 500])
            marks = ",".join("?" * len(part))
            for h, blob in self.db.execute(
                f"SELECT text_hash, vector FROM embeddings WHERE model=? AND text_hash IN ({marks})",
                [model, *part],
            ):
                out[h] = np.frombuffer(blob, dtype=np.float32)
        return out

    def cache_vectors(self, model: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        with self._transaction():
            self.db.executemany(
                "INSERT OR IGNORE INTO embeddings VALUES (?, ?, ?)",
                [(h, model, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items],
            )

    # near-duplicate articles (ingest/dedup.py) ----------------------------------------------
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

    # facts (ingest/facts.py) ---------------------------------------------------------------
    def has_facts(self, doc_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM facts WHERE doc_id=? LIMIT 1", (doc_id,)).fetchone() is not None

    def facts(self, *, company: str | None = None, fiscal_period: str | None = None,
              statement: str | None = None, line_item: str | None = None,
              doc_id: str | None = None) -> list[Fact]:
        """Stored facts, in document and table order. `company` matches the company name
        (case-insensitive, a part of it: "apple" finds "Apple Inc.") or the ticker;
        `line_item` a vocabulary id or a part of the row label."""
        where, args = ["1=1"], []
        if company:
            where.append("(lower(f.company) LIKE ? OR lower(json_extract(d.meta_json, '$.ticker')) = ?)")
            args += [f"%{company.lower()}%", company.lower()]
        if fiscal_period:
            where.append("upper(f.fiscal_period) = ?")
            args.append(" ".join(fiscal_period.upper().split()))
        if statement:
            where.append("f.statement = ?")
            args.append(statement)
        if line_item:
            where.append("(f.line_item_id = ? OR lower(f.line_item) LIKE ?)")
            args += [line_item, f"%{line_item.lower()}%"]
        if doc_id:
            where.append("f.doc_id = ?")
            args.append(doc_id)
        columns = ", ".join(f"f.{c.strip()}" for c in _FACT_COLUMNS.split(","))
        rows = self.db.execute(
            f"SELECT {columns} FROM facts f JOIN documents d USING (doc_id) "
            f"WHERE {' AND '.join(where)} ORDER BY d.ingested_at, d.source, f.ordinal", args,
        ).fetchall()
        return [_fact(row) for row in rows]

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")


def _doc_record(row: tuple[str, str, str, str, str, int, str]) -> DocRecord:
    doc_id, source, content_hash, kind, meta_json, n_chunks, ingested_at = row
    return DocRecord(doc_id, source, content_hash, kind, DocMeta.model_validate(json.loads(meta_json)),
                     n_chunks, ingested_at)


def _fact(row: tuple[object, ...]) -> Fact:
    from ingest.facts import Fact

    (doc_id, chunk_id, page, company, statement, line_item, parents_json, line_item_id, header,
     period_start, period_end, fiscal_period, value, text, unit, currency, scale, concept) = row
    return Fact(str(doc_id), _opt(chunk_id), page if isinstance(page, int) else None, _opt(company),
                _opt(statement), str(line_item), tuple(json.loads(str(parents_json))),
                _opt(line_item_id), str(header), _opt(period_start), _opt(period_end),
                _opt(fiscal_period), Decimal(str(value)), str(text), _opt(unit), _opt(currency),
                scale if isinstance(scale, int) else None, _opt(concept))


def _opt(value: object) -> str | None:
    return None if value is None else str(value)
