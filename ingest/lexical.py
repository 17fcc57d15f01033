"""The BM25 side of the store (bm25s), persisted beside Chroma.

bm25s indexes are immutable, so the index is rebuilt from the registry after each ingest batch;
at 10k chunks that takes well under a second. The index records the registry generation it was
built from; a reader that finds it behind the registry rebuilds it, so a crash during a save can
never leave BM25 out of step with Chroma and the registry.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Collection, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import Stemmer

if TYPE_CHECKING:
    import bm25s

log = logging.getLogger(__name__)

_STEMMER = Stemmer.Stemmer("english")


@cache
def _bm25s() -> Any:
    """bm25s, imported on first use: it pulls in scipy, which a dense search never needs."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG
    return bm25s


def _tokenize(texts: Sequence[str]) -> list[list[str]]:
    tokens = _bm25s().tokenize(
        list(texts), stopwords="en", stemmer=_STEMMER, return_ids=False, show_progress=False
    )
    return [list(t) for t in tokens]


class LexicalIndex:
    """BM25 over chunk texts; chunk ids are kept in index order."""

    def __init__(self, ids: list[str], retriever: bm25s.BM25 | None, generation: int) -> None:
        self.ids = ids
        self.retriever = retriever
        self.generation = generation
        self._position = {cid: i for i, cid in enumerate(ids)}

    @classmethod
    def build(cls, ids: Sequence[str], texts: Sequence[str], generation: int) -> LexicalIndex:
        if not ids:
            return cls([], None, generation)
        retriever = _bm25s().BM25()
        retriever.index(_tokenize(texts), show_progress=False)
        return cls(list(ids), retriever, generation)

    def search(
        self, query: str, k: int, allowed: Collection[str] | None = None
    ) -> list[tuple[str, float]]:
        """Top k (chunk id, score) with a positive score, only among `allowed` ids if given."""
        if self.retriever is None or k <= 0:
            return []
        query_tokens = [t for t in _tokenize([query])[0] if t in self.retriever.vocab_dict]
        if not query_tokens:
            return []
        mask: np.ndarray | None = None
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=np.float32)
            positions = [self._position[c] for c in allowed if c in self._position]
            if not positions:
                return []
            mask[positions] = 1.0
        scores = self.retriever.get_scores(query_tokens, weight_mask=mask)
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    # persistence ---------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Write to a temporary folder, then swap it in: a reader never sees half an index."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".bm25-", dir=folder.parent))
        (tmp / "ids.json").write_text(json.dumps({"generation": self.generation, "ids": self.ids}))
        if self.retriever is not None:
            self.retriever.save(str(tmp / "bm25"))
        old = folder.with_name(folder.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        if folder.exists():
            os.replace(folder, old)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        """The saved index, or None when there is none or it cannot be read."""
        try:
            header = json.loads((folder / "ids.json").read_text())
            retriever = None
            if header["ids"]:
                retriever = _bm25s().BM25.load(str(folder / "bm25"), mmap=False)
            return cls(list(header["ids"]), retriever, int(header["generation"]))
        except (OSError, ValueError, KeyError) as exc:
            log.info("BM25 index at %s unreadable (%s); it will be rebuilt", folder, exc)
            return None
