"""The ``chunks`` table: each document's chunks, in order, with their offsets, page, section,
statement label and the embedding-cache key of their vector."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from ingest.documents import Chunk
from ingest.registry.tables import Tables, batches, placeholders

_CHUNK_COLUMNS = 'chunk_id, doc_id, ordinal, text, start, "end", page, section, printed_page, statement'


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

    def to_chunk(self) -> Chunk:
        """The stored chunk as the chunker made it."""
        return Chunk(chunk_id=self.chunk_id, doc_id=self.doc_id, text=self.text, start=self.start,
                     end=self.end, page=self.page, section=self.section,
                     printed_page=self.printed_page, statement=self.statement)


class ChunkTable(Tables):
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
        wanted = sorted(set(statements))
        out: set[str] = set()
        for part in batches(sorted(set(doc_ids))):
            rows = self.db.execute(
                f"SELECT chunk_id FROM chunks WHERE doc_id IN ({placeholders(part)}) "
                f"AND statement IN ({placeholders(wanted)})", [*part, *wanted])
            out |= {r[0] for r in rows}
        return out

    def all_chunk_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT chunk_id FROM chunks")}

    def known_chunk_ids(self, ids: Iterable[str]) -> set[str]:
        """Those of ``ids`` the registry names."""
        return set(self.chunks_by_id(ids))

    def iter_chunks(self) -> Iterator[ChunkRecord]:
        cursor = self.db.execute(f"SELECT {_CHUNK_COLUMNS} FROM chunks ORDER BY doc_id, ordinal")
        for row in cursor:
            yield ChunkRecord(*row)

    def chunks_by_id(self, ids: Iterable[str]) -> dict[str, ChunkRecord]:
        out: dict[str, ChunkRecord] = {}
        for part in batches(ids):
            for row in self.db.execute(
                f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE chunk_id IN ({placeholders(part)})", part
            ):
                out[row[0]] = ChunkRecord(*row)
        return out

    def chunks_of(self, doc_ids: Iterable[str]) -> list[ChunkRecord]:
        """The chunks of these documents (in no set order)."""
        out: list[ChunkRecord] = []
        for part in batches(doc_ids):
            out += [ChunkRecord(*row) for row in self.db.execute(
                f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE doc_id IN ({placeholders(part)})",
                part)]
        return out

    # writes, inside the registry's transactions (see Registry) ---------------------------------
    def _vector_hashes_of(self, doc_id: str) -> dict[str, str]:
        """The embedding-cache key of each stored chunk of the document that has one."""
        return dict(self.db.execute(
            "SELECT chunk_id, vector_hash FROM chunks WHERE doc_id=? AND vector_hash IS NOT NULL",
            (doc_id,)).fetchall())

    def _insert_chunks(self, chunks: Sequence[Chunk], vector_hashes: Mapping[str, str]) -> None:
        """A document's chunks, in order (their lexical rows follow by trigger)."""
        self.db.executemany(
            f"INSERT INTO chunks ({_CHUNK_COLUMNS}, vector_hash) VALUES ({', '.join('?' * 11)})",
            [(c.chunk_id, c.doc_id, i, c.text, c.start, c.end, c.page, c.section, c.printed_page,
              c.statement, vector_hashes.get(c.chunk_id)) for i, c in enumerate(chunks)],
        )

    def _set_vector_hashes(self, doc_id: str, vector_hashes: Mapping[str, str]) -> None:
        """The document's chunks' new embedding-cache keys (chunks embedded again)."""
        self.db.executemany("UPDATE chunks SET vector_hash=? WHERE chunk_id=? AND doc_id=?",
                            [(h, cid, doc_id) for cid, h in vector_hashes.items()])
