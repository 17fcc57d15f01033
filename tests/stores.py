"""Store helpers shared by the store tests: a small document, a write, and what each part of a
store (registry, Chroma, the lexical index) holds."""

from __future__ import annotations

from ingest.chunking import chunk_document
from ingest.documents import DocMeta, Document
from ingest.store import Store

PARAGRAPHS = [
    "Total net sales were $81,797 million in the third quarter. Services net sales grew 8%.",
    "The Company faces supply-chain risk from single-source suppliers in Asia.",
    "Research and development expense rose to $7,442 million.",
]


def make_doc(source: str, paragraphs: list[str], company: str = "Apple Inc.") -> Document:
    text = "\n\n".join(paragraphs)
    meta = DocMeta(title=f"Doc {source}", source=source, company=company, form="10-Q",
                   filed="2023-08-04")
    return Document.single_block(text, "text", meta)


def write(store: Store, doc: Document, max_tokens: int = 24) -> str:
    chunks = chunk_document(doc, store.embedder.count_tokens, max_tokens, 0)
    with store.writer():
        return store.write(doc, chunks)


def state(store: Store) -> tuple[set[str], set[str], set[str]]:
    """(registry chunk ids, Chroma ids, lexical index ids)."""
    return (
        store.registry.all_chunk_ids(),
        set(store.collection.get(include=[])["ids"]),
        set(store.registry.lexical_chunk_ids()),
    )
