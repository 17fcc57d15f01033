"""The embedding cache (``embeddings``): each embedded text's vector, by the text's hash and the
model, so no text is embedded twice; and a scope's vectors read from it for an exact search."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ingest.registry.tables import Tables, batches, placeholders


class VectorCache(Tables):
    def cached_vectors(self, model: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for part in batches(text_hashes):
            for h, blob in self.db.execute(
                f"SELECT text_hash, vector FROM embeddings WHERE model=? AND text_hash IN "
                f"({placeholders(part)})", [model, *part],
            ):
                out[h] = np.frombuffer(blob, dtype=np.float32)
        return out

    def cache_vectors(self, model: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        with self._transaction():
            self.db.executemany(
                "INSERT OR IGNORE INTO embeddings VALUES (?, ?, ?)",
                [(h, model, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items],
            )

    def scope_vectors(self, model: str, doc_ids: Iterable[str]) -> tuple[list[str], np.ndarray] | None:
        """The chunk ids of these documents and their vectors (one row each, float32) from the
        embedding cache, read in one join; None when a chunk has no recorded vector key (written
        before migration 9) or its vector is not cached."""
        ids: list[str] = []
        blobs: list[bytes] = []
        for part in batches(doc_ids):
            rows = self.db.execute(
                f"SELECT c.chunk_id, e.vector FROM chunks c LEFT JOIN embeddings e "
                f"ON e.text_hash = c.vector_hash AND e.model = ? WHERE c.doc_id IN "
                f"({placeholders(part)})", [model, *part]).fetchall()
            for chunk_id, blob in rows:
                if blob is None:
                    return None
                ids.append(chunk_id)
                blobs.append(blob)
        if not ids:
            return [], np.zeros((0, 0), dtype=np.float32)
        return ids, np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(ids), -1)
