"""Near-duplicate articles: syndicated copies of one story stored once, every source kept (ingest.dedup).
Only tests/fixtures is read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant
from ingest.dedup import DuplicateFinder, duplicate_sources, known_source, signature
from ingest.documents import DocMeta, Document
from ingest.loaders import load_source
from ingest.registry import Registry

FIXTURES = Path(__file__).parent / "fixtures"
ALIBABA = FIXTURES / "alibaba-ai-investment-2025.txt"

STORY = ALIBABA.read_text(encoding="utf-8").split("**Source:")[0]


def article(source: str, text: str) -> Document:
    return Document.single_block(text, "text", DocMeta(title="t", source=source, url=source))


def test_signature_separates_copies_from_other_stories() -> None:
    copy = "Reprinted from Example Wire.\n" + STORY + "\nSubscribe to our newsletter for more."
    other = load_source(str(FIXTURES / "newspaper_businessweek.com2.html")).text
    same = signature(STORY)
    assert same is not None
    assert (same == signature(copy)).mean() >= 0.8
    assert (same == signature(other)).mean() < 0.2
    assert signature("too short to judge") is None


def test_syndicated_copy_is_stored_once_with_both_sources(assistant: Assistant, tmp_path: Path) -> None:
    first, second = tmp_path / "wire.txt", tmp_path / "syndicated.txt"
    first.write_text("Example Wire\n\n" + STORY, encoding="utf-8")
    second.write_text("Daily Markets (via Example Wire)\n\n" + STORY + "\nShare this article.",
                      encoding="utf-8")
    other = FIXTURES / "newspaper_businessweek.com2.html"
    report = assistant.ingest([first, second, other], progress=False)
    assert report.ok, report.failed
    assert len(report.added) == 2 and report.duplicates == [(str(second), str(first))]
    assert "1 duplicates" in report.summary()
    docs = {d.source: d for d in assistant.documents()}
    assert set(docs) == {str(first), str(other)}
    kept = duplicate_sources(assistant.store.registry, docs[str(first)].doc_id)
    assert [k.source for k in kept] == [str(second)] and kept[0].similarity >= 0.8
    assert known_source(assistant.store.registry, str(second))
    # re-ingesting the original keeps its duplicate's record
    again = assistant.ingest([first], progress=False)
    assert again.unchanged == [str(first)]
    assert [k.source for k in duplicate_sources(assistant.store.registry, docs[str(first)].doc_id)] == [
        str(second)]


def test_filings_are_never_merged(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "r.sqlite")
    finder = DuplicateFinder(registry)
    doc = Document.single_block(STORY, "sec", DocMeta(source="/a.htm"))
    assert finder.match(doc) is None
    finder.remember(doc)  # no signature kept for a filing
    assert registry.signatures() == []
    registry.close()


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    reg = Registry(tmp_path / "registry.sqlite3")
    yield reg
    reg.close()


def store(registry: Registry, finder: DuplicateFinder, doc: Document) -> None:
    """What the pipeline does: match (none), write the registry row, then remember it."""
    assert finder.match(doc) is None
    registry.put_document(doc, [])
    finder.remember(doc)


def test_finder_matches_stored_articles_only_from_other_sources(registry: Registry) -> None:
    finder = DuplicateFinder(registry)
    wire = article("/wire.txt", STORY)
    store(registry, finder, wire)  # no match: nothing stored yet
    assert finder.match(article("/wire.txt", STORY)) is None  # its own source is a re-ingest
    match = finder.match(article("/copy.txt", "Via Example Wire.\n" + STORY))
    assert match is not None and (match.doc_id, match.source) == (wire.doc_id, "/wire.txt")
    assert match.similarity >= 0.8
    # A new finder (the next ingest run) reads the stored signatures back.
    again = DuplicateFinder(registry).match(article("/copy.txt", STORY))
    assert again is not None and again.doc_id == wire.doc_id
    other = load_source(str(FIXTURES / "newspaper_businessweek.com2.html")).text
    assert DuplicateFinder(registry).match(article("/other.txt", other)) is None


def test_threshold_decides(registry: Registry) -> None:
    finder = DuplicateFinder(registry, threshold=1.01)  # nothing is that similar
    store(registry, finder, article("/wire.txt", STORY))
    assert finder.match(article("/copy.txt", STORY)) is None


def test_recorded_duplicates_are_known_until_their_document_goes(registry: Registry) -> None:
    finder = DuplicateFinder(registry)
    wire = article("/wire.txt", STORY)
    store(registry, finder, wire)
    copy = article("https://example.com/copy", STORY + "\nShare this article.")
    match = finder.match(copy)
    assert match is not None
    finder.record(copy, match)
    (kept,) = duplicate_sources(registry, wire.doc_id)
    assert (kept.source, kept.url, kept.similarity) == (copy.meta.source, copy.meta.url, match.similarity)
    assert known_source(registry, "https://example.com/copy") and known_source(registry, "/wire.txt")
    assert not known_source(registry, "/never-seen.txt")
    registry.delete_document(wire.doc_id)
    assert not known_source(registry, "https://example.com/copy")
