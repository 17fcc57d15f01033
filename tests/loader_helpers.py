"""What the loader tests share (test_loaders*.py): the fixtures they read, and checks of a
loaded document's blocks and of a load's error."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.documents import Document, LoadError
from ingest.loaders import load_source

FIXTURES = Path(__file__).parent / "fixtures"
ARTICLE = FIXTURES / "newspaper_businessweek.com2.html"
REAL_PDF = FIXTURES / "AAPL_10-Q_2023-Q2.pdf"


def assert_blocks(doc: Document) -> None:
    """Blocks are contiguous, in order, non-empty and cover the whole text."""
    assert doc.text
    assert doc.blocks
    assert doc.blocks[0].start == 0
    assert doc.blocks[-1].end == len(doc.text)
    for before, after in zip(doc.blocks, doc.blocks[1:], strict=False):
        assert before.end == after.start
    for block in doc.blocks:
        assert block.start < block.end


def block_text(doc: Document, index: int) -> str:
    block = doc.blocks[index]
    return doc.text[block.start : block.end]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def load_error(source: str | Path, **kwargs: float) -> LoadError:
    with pytest.raises(LoadError) as caught:
        load_source(str(source), **kwargs)  # type: ignore[arg-type]
    return caught.value
