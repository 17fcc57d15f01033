"""The lexical side of the store: BM25 over chunk texts, by SQLite FTS5 inside the registry.

The index is a table of the registry (migration 5), kept by triggers on its chunks: a document's
rows are written in the transaction of its commit point and deleted with it, so adding a filing
costs the same at any store size and the index can never be behind the registry. Ranking is
FTS5's `bm25()` (k1 1.2, b 0.75) with the Porter stemmer. Measured against the bm25s index it
replaced in docs/evaluation.md.

A question becomes an FTS5 MATCH expression here: its words, each quoted (so no text a user
types is read as FTS5 syntax), common English stopwords left out, joined by OR as BM25 scores
any of them, searched in the text column only. A search scoped to documents adds
`AND doc_id : (...)`: FTS5 skips to those documents' rows instead of scoring every match and
filtering after (one filing: 36 ms p50 at 100,000 passages against 458 ms unscoped;
bench/lexical.py). The doc_id column counts one token per row in BM25's document length.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.registry import Registry

# Lucene's English stop set (EnglishAnalyzer.ENGLISH_STOP_WORDS_SET), the list bm25s used here
# before: words every passage has, whose postings would only cost time.
STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with",
))
_WORD = re.compile(r"\w+")
MAX_TERMS = 64  # a pasted page must not become a query of thousands of OR terms


def quoted(text: str) -> str:
    """An FTS5 string: a phrase matched as written, never read as syntax."""
    return '"' + text.replace('"', '""') + '"'


def match_expression(query: str) -> str | None:
    """The FTS5 MATCH expression for a free-text query, or None when it has no searchable word.
    Each term is a quoted string (a word of letters, digits or '_' holds no quote), so operators,
    column filters or stray quotes in the query are searched as words, never obeyed."""
    terms = [t for t in dict.fromkeys(w.casefold() for w in _WORD.findall(query))
             if t not in STOPWORDS and not (len(t) == 1 and t.isalpha())]
    if not terms:
        return None
    return " OR ".join(quoted(t) for t in terms[:MAX_TERMS])


def search_expression(terms: str, doc_ids: Collection[str] | None = None) -> str:
    """The MATCH expression for ``terms`` (from match_expression) in the chunk text only, and
    with ``doc_ids``, in those documents' chunks only (FTS5 intersects the two)."""
    expression = f"text : ({terms})"
    if doc_ids is not None:
        expression += f" AND doc_id : ({' OR '.join(quoted(d) for d in sorted(doc_ids))})"
    return expression


class LexicalIndex:
    """BM25 search over the registry's chunk texts: the one way the store searches words."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def search(self, query: str, k: int,
               doc_ids: Collection[str] | None = None) -> list[tuple[str, float]]:
        """Top k (chunk id, BM25 score, higher is better) for a free-text query, only among the
        chunks of ``doc_ids`` when given."""
        expression = match_expression(query)
        if expression is None or k <= 0 or (doc_ids is not None and not doc_ids):
            return []
        return self.registry.lexical_search(search_expression(expression, doc_ids), k)
