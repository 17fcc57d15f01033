"""Chunk context in the embedded text (ingest.chunk_context, Store(chunk_context=True)): the vector
is the embedding of "<company> | <section> | <text>", the stored chunk text stays verbatim, and the
embedding cache is keyed by the embedded text."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ingest.chunk_context import SECTION_CHARS, context_header, embedding_text
from ingest.documents import Chunk, DocMeta, sha256
from ingest.store import Store
from tests.conftest import CountingEmbedder
from tests.stores import PARAGRAPHS, make_doc, write


def chunk(text: str = "Net sales rose 8%.", section: str | None = None) -> Chunk:
    return Chunk(chunk_id="c", doc_id="d", text=text, start=0, end=len(text), section=section)


def test_header_names_company_and_section_not_form_or_period() -> None:
    meta = DocMeta(company="Apple Inc.", form="10-Q", period="Q3 FY2023")
    c = chunk(section="Item 2.  Management's Discussion\nand Analysis")
    assert context_header(c, meta) == "Apple Inc. | Item 2. Management's Discussion and Analysis"
    assert embedding_text(c, meta, with_context=True).endswith(" | Net sales rose 8%.")
    assert embedding_text(c, meta, with_context=False) == "Net sales rose 8%."


def test_header_names_the_statement_unless_the_section_does() -> None:
    meta = DocMeta(company="Apple Inc.")
    cash = chunk().model_copy(update={"statement": "cash_flows"})
    assert context_header(cash, meta) == "Apple Inc. | Cash flow statement"  # a PDF: no section
    mdna = chunk(section="Item 2. Management's Discussion and Analysis").model_copy(
        update={"statement": "mdna"})
    assert context_header(mdna, meta) == "Apple Inc. | Item 2. Management's Discussion and Analysis"
    under_item_8 = chunk(section="Item 8. Financial Statements").model_copy(
        update={"statement": "balance_sheet"})
    assert context_header(under_item_8, meta) == "Apple Inc. | Item 8. Financial Statements | Balance sheet"


def test_header_falls_back_to_title_and_is_empty_when_nothing_is_known() -> None:
    assert context_header(chunk(), DocMeta(title="2023 Q3 AAPL.pdf")) == "2023 Q3 AAPL.pdf"
    assert embedding_text(chunk(), DocMeta(), with_context=True) == "Net sales rose 8%."


def test_long_section_is_cut_at_a_word() -> None:
    section = "Notes to Condensed Consolidated Financial Statements " * 4
    header = context_header(chunk(section=section), DocMeta(company="Apple Inc."))
    cut = header.split(" | ")[1]
    assert len(cut) <= SECTION_CHARS and section.startswith(cut) and section[len(cut)] == " "


def test_store_embeds_the_header_but_keeps_the_text_verbatim(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    store = Store(tmp_path / "home", embedder, chunk_context=True)
    try:
        write(store, make_doc("/a.txt", PARAGRAPHS))
        got = store.collection.get(include=["documents", "embeddings"])
        stored = store.registry.chunks_by_id(got["ids"])
        assert embedder.embedded and all(t.startswith("Apple Inc. | ") for t in embedder.embedded)
        for chunk_id, document, vector in zip(got["ids"], got["documents"], got["embeddings"], strict=True):
            text = stored[chunk_id].text
            assert document == text and not text.startswith("Apple Inc.")  # verbatim in Chroma
            embedded = f"Apple Inc. | {text}"
            assert embedded in embedder.embedded
            cache = store.registry.cached_vectors(embedder.model_name, [sha256(embedded), sha256(text)])
            assert set(cache) == {sha256(embedded)}  # keyed by what was embedded, not the chunk text
            np.testing.assert_allclose(vector, cache[sha256(embedded)], atol=1e-6)
    finally:
        store.close()


def test_without_the_option_the_chunk_text_is_embedded_as_is(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    store = Store(tmp_path / "home", embedder)
    try:
        write(store, make_doc("/a.txt", PARAGRAPHS))
        texts = {r.text for r in store.registry.chunks_by_id(store.registry.all_chunk_ids()).values()}
        assert set(embedder.embedded) == texts
    finally:
        store.close()
