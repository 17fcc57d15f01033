"""Near-duplicate articles: syndicated copies of one story are stored once, every source kept.

Each stored article (html, text, markdown) gets a MinHash signature (datasketch, 128 permutations)
of its 5-word shingles. An incoming article whose estimated Jaccard similarity with a stored one is
at least `threshold` is not stored again: its source, URL and site are added to that document's
`duplicate_sources` rows (registry migration 2). Filings and PDFs are never merged: a 10-K and its
amendment can share most of their text and still be two documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from datasketch import MinHash

from ingest.documents import Document
from ingest.registry import DuplicateSource, Registry

__all__ = ["DuplicateFinder", "DuplicateSource", "Match", "duplicate_sources", "known_source", "signature"]

NUM_PERM = 128
SHINGLE_WORDS = 5
MIN_WORDS = 50  # shorter texts (teasers, captions) are too short to call duplicates
DEFAULT_THRESHOLD = 0.8
ARTICLE_KINDS = ("html", "text", "markdown")
_WORD = re.compile(r"\w+")


def signature(text: str) -> np.ndarray | None:
    """MinHash of the text's lower-cased 5-word shingles; None for texts under MIN_WORDS words."""
    words = _WORD.findall(text.lower())
    if len(words) < MIN_WORDS:
        return None
    shingles = {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}
    minhash = MinHash(num_perm=NUM_PERM, seed=1)
    minhash.update_batch([s.encode("utf-8") for s in shingles])
    return np.asarray(minhash.hashvalues, dtype=np.uint64)


@dataclass(frozen=True)
class Match:
    doc_id: str
    source: str
    similarity: float


class DuplicateFinder:
    """Holds the store's signatures for one ingest run; `match` before writing, `remember` after."""

    def __init__(self, registry: Registry, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.registry = registry
        self.threshold = threshold
        rows = registry.signatures()
        self._ids = [r[0] for r in rows]
        self._sources = [r[1] for r in rows]
        self._matrix = (np.stack([r[2] for r in rows])
                        if rows else np.empty((0, NUM_PERM), dtype=np.uint64))
        self._pending: dict[str, np.ndarray | None] = {}

    @staticmethod
    def applies_to(doc: Document) -> bool:
        """Only articles are compared (filings are identified by their source)."""
        return doc.kind in ARTICLE_KINDS

    def match(self, doc: Document) -> Match | None:
        """The stored article `doc` nearly duplicates (another source), if any."""
        if doc.kind not in ARTICLE_KINDS:
            return None
        sig = signature(doc.text)
        self._pending[doc.doc_id] = sig
        if sig is None or not len(self._ids):
            return None
        similarity = (self._matrix == sig).mean(axis=1)
        for i in np.argsort(-similarity):
            if similarity[i] < self.threshold:
                break
            if self._ids[i] != doc.doc_id and self._sources[i] != doc.meta.source:
                return Match(self._ids[i], self._sources[i], round(float(similarity[i]), 3))
        return None

    def record(self, doc: Document, match: Match) -> None:
        """Keep `doc`'s source as another place where `match`'s document was found."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        duplicate = DuplicateSource(doc.meta.source, doc.meta.url, doc.meta.site, match.similarity, now)
        self.registry.add_duplicate_source(match.doc_id, doc.meta.title, duplicate)

    def remember(self, doc: Document) -> None:
        """Store the signature of a document just written (call after Store.write)."""
        sig = self._pending.pop(doc.doc_id, None)
        if sig is None:
            return
        self.registry.put_signature(doc.doc_id, doc.meta.source, sig)
        if doc.doc_id in self._ids:
            self._matrix[self._ids.index(doc.doc_id)] = sig
        else:
            self._ids.append(doc.doc_id)
            self._sources.append(doc.meta.source)
            self._matrix = np.vstack([self._matrix, sig[None, :]])


def duplicate_sources(registry: Registry, doc_id: str) -> list[DuplicateSource]:
    """The other sources where a stored document's text was found, oldest first."""
    return registry.duplicate_sources(doc_id)


def known_source(registry: Registry, source: str) -> bool:
    """Whether `source` is stored, as a document or as a duplicate of a stored document."""
    return registry.document_by_source(source) is not None or registry.is_duplicate_source(source)
