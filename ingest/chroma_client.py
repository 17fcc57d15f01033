"""Chroma as Dossier uses it: the client (embedded, or a `chroma run` server), the HNSW settings
of a store's collection, and the metadata each chunk carries there."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.documents import Chunk, DocMeta
from ingest.errors import DossierError


@dataclass(frozen=True)
class HnswSettings:
    """Chroma's HNSW index (cosine space). M (Chroma's max_neighbors) and ef_construction are
    fixed when a store's collection is created; ef_search is set on every open, so an existing
    store takes a new value too (from the next process that loads its index: a process keeps
    the value its index was loaded with). Defaults from bench/hnsw.py (docs/scaling.md, "HNSW
    settings"): on 42,891 real passages, ef_search 200 raised recall@10 of dev questions
    against exact search from 0.96 (Chroma's default, 100) to 0.99 for a millisecond or two a
    query, where M 32 or ef_construction 200 cost up to 4.6x the build time for at most 0.01."""

    m: int = 16
    ef_construction: int = 100
    ef_search: int = 200

    def configuration(self) -> dict[str, Any]:
        return {"hnsw": {"space": "cosine", "max_neighbors": self.m,
                         "ef_construction": self.ef_construction, "ef_search": self.ef_search}}


class ChromaUnreachableError(DossierError, RuntimeError):
    """DOSSIER_CHROMA_URL names a server that does not answer."""


def date_number(iso: str | None) -> int | None:
    """'2024-11-01' -> 20241101, so Chroma can compare dates ($gte/$lte need numbers)."""
    if not iso or len(iso) < 10:
        return None
    digits = iso[:10].replace("-", "")
    return int(digits) if digits.isdigit() else None


def chroma_metadata(chunk: Chunk, meta: DocMeta) -> dict[str, Any]:
    out = chunk.metadata(meta)
    date = date_number(meta.published or meta.filed)
    if date is not None:
        out["date"] = date
    return out


def chroma_client(home: Path, url: str | None) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if url:
        from urllib.parse import urlparse

        parsed = urlparse(url)
        host = parsed.hostname or "127.0.0.1"
        port = parsed.port or (443 if parsed.scheme == "https" else 8000)
        try:
            return chromadb.HttpClient(
                host=host,
                port=port,
                ssl=parsed.scheme == "https",
                settings=settings,
            )
        except ValueError as exc:  # chromadb's "Could not connect to a Chroma server"
            raise ChromaUnreachableError(
                f"cannot reach the Chroma server at {parsed.scheme}://{host}:{port} "
                f"(DOSSIER_CHROMA_URL): {exc} Start it "
                "(`chroma run --path DIR --host 127.0.0.1 --port 8000`), fix the URL, or unset "
                "DOSSIER_CHROMA_URL to use the embedded Chroma in DOSSIER_HOME"
            ) from None
    return chromadb.PersistentClient(path=str(home / "chroma"), settings=settings)
