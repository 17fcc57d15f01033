"""The ingest pipeline (ingest.pipeline): each source succeeds or fails on its own, re-ingests are
unchanged or replaced, origin metadata and overrides are applied, and a failed write is reported
against its source. A small deterministic embedder stands in for the model."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from ingest.pipeline import IngestOptions, ingest
from ingest.store import Store


class HashEmbedder:
    """Vectors from each text's sha256; refuses any text containing POISON."""

    model_name = "test-hash"
    dimension = 8
    max_tokens = 40

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) for t in texts]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if any("POISON" in t for t in texts):
            raise RuntimeError("the model refused this text")
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[:8], dtype=np.uint8) for t in texts]
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dimension) + 1
        unit: np.ndarray = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        return unit


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "home", HashEmbedder())
    yield s
    s.close()


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


PROSE = "Revenue rose 8% to $3.1 billion in the quarter. Operating margin widened to 21%. " * 6


def test_each_source_succeeds_or_fails_on_its_own(store: Store, tmp_path: Path) -> None:
    good = write(tmp_path, "good.txt", PROSE)
    notes = write(tmp_path, "notes.md", "# Notes\n\nGross margin was 44%. " + PROSE)
    binary = tmp_path / "broken.txt"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    missing = str(tmp_path / "missing.txt")
    report = ingest([good, str(binary), missing, notes], store, progress=False)
    assert sorted(report.added) == sorted([good, notes])
    failed = dict(report.failed)
    assert set(failed) == {str(binary), missing}
    assert "binary" in failed[str(binary)]
    assert not report.ok and report.chunks == sum(d.n_chunks for d in store.registry.documents())
    assert report.summary() == "2 added, 0 unchanged, 0 replaced, 2 failed"


def test_reingest_is_unchanged_and_an_edit_replaces(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", PROSE)
    first = ingest([path], store, progress=False)
    assert first.added == [path] and first.ok
    again = ingest([path], store, progress=False)
    assert again.unchanged == [path] and again.chunks == first.chunks
    write(tmp_path, "a.txt", PROSE + " Guidance was raised for the full year.")
    edited = ingest([path], store, progress=False)
    assert edited.replaced == [path]
    (record,) = store.registry.documents()
    assert "Guidance was raised" in (store.registry.document_text(record.doc_id) or "")


def test_origin_metadata_fills_gaps_and_overrides_win(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "filing.txt", PROSE)
    options = IngestOptions(
        source_meta={path: {"form": "10-Q", "url": "https://example.com/filing", "ticker": "EX"}},
        meta_overrides={"ticker": "OVR", "company": ""},  # an empty override changes nothing
    )
    report = ingest([path], store, options, progress=False)
    assert report.ok
    (record,) = store.registry.documents()
    assert record.meta.form == "10-Q" and record.meta.url == "https://example.com/filing"
    assert record.meta.ticker == "OVR"


def test_a_failed_write_is_reported_against_its_source(store: Store, tmp_path: Path) -> None:
    before = write(tmp_path, "1-before.txt", PROSE)
    poisoned = write(tmp_path, "2-poisoned.txt", "This text holds POISON. Backlog grew 12%.")
    after = write(tmp_path, "3-after.txt", "Net income fell 3%. Cash flow was flat.")
    report = ingest([before, poisoned, after], store, progress=False)
    assert report.added == [before, after]  # in the order given
    assert report.failed == [(poisoned, "RuntimeError: the model refused this text")]
    assert {d.source for d in store.registry.documents()} == {before, after}
    assert report.duplicates == []


def test_near_duplicate_article_is_recorded_not_stored(store: Store, tmp_path: Path) -> None:
    story = " ".join(f"Sentence {i} of the story says something new about the market." for i in range(12))
    wire = write(tmp_path, "wire.txt", story)
    copy = write(tmp_path, "copy.txt", "Via the wire. " + story)
    report = ingest([wire, copy], store, progress=False)
    assert report.added == [wire] and report.duplicates == [(copy, wire)]
    assert report.summary().endswith("1 duplicates")
