"""The lexical index: ``chunks_fts``, the chunks' FTS5 table, filled by triggers on ``chunks``
(registry migration 5) and searched with the expressions ingest/lexical.py builds."""

from __future__ import annotations

from ingest.registry.tables import Tables, placeholders


class LexicalTable(Tables):
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
            f"SELECT rowid, chunk_id FROM chunks_fts WHERE rowid IN ({placeholders(top)})",
            [rowid for rowid, _ in top]).fetchall())
        return [(ids[rowid], -float(score)) for rowid, score in top if rowid in ids]

    def lexical_chunk_ids(self) -> list[str]:
        """Every chunk id the lexical index holds (for checks: the same as the chunks')."""
        return [r[0] for r in self.db.execute("SELECT chunk_id FROM chunks_fts")]
