"""The library and labels (assistant/ui/render/library.py, labels.py): the table's rows, the
example questions, short company names, where an original opens."""

from __future__ import annotations

from assistant.ui import render
from ingest.documents import DocMeta
from ingest.registry import DocRecord


def test_original_link_for_urls_and_files() -> None:
    assert render.original_link("https://x.com/a", "https://x.com/a") == "https://x.com/a"
    assert render.original_link("/d/a.html", "file:///d/a.html", 2) == "gradio_api/file=/d/a.html"


def test_library_rows_and_examples() -> None:
    def record(name: str, when: str, **meta: str) -> DocRecord:
        return DocRecord(doc_id=name, source=f"/corpus/{name}", content_hash="h", kind="sec",
                         meta=DocMeta(title=meta.pop("title", name), **meta), n_chunks=4,
                         ingested_at=when)

    records = [
        record("ORCL_8-K_2024-11-14.html", "2025-01-01T10:00:00+00:00", company="ORACLE CORP",
               form="8-K"),
        record("x.html", "2025-01-02T10:00:00+00:00", company="BUCKLE, INC", form="8-K"),
        record("note.md", "2025-01-03T10:00:00+00:00"),
    ]
    rows = render.library_rows(records)
    assert [r[0] for r in rows] == ["note.md", "x.html", "ORCL_8-K_2024-11-14.html"]  # newest first
    assert rows[1][1:5] == ["BUCKLE, INC", "8-K", "", 4]
    assert render.example_questions(records) == [
        "How did Oracle's stockholders vote?", "What did Buckle report in its 8-K?"]
    assert render.short_company("Nordstrom, Inc.") == "Nordstrom"

