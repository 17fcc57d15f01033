"""Helpers shared by the loaders: segments joined into blocks, metadata basics, sizes."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from ingest.documents import Block, DocMeta
from ingest.locations import is_url

log = logging.getLogger("ingest.loaders")

# (text, page, section): one block each; empty texts are dropped.
Segment = tuple[str, int | None, str | None]


def base_meta(source: str) -> DocMeta:
    """source and url: the URL itself for web sources, file:// for absolute file paths."""
    if is_url(source):
        url: str | None = source
    else:
        path = Path(source)
        url = path.as_uri() if path.is_absolute() else None
    return DocMeta(source=source, url=url)


def stem_title(source: str) -> str:
    """A fallback title: the file stem, or the last part of a URL path."""
    name = source.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] if is_url(source) else source
    return Path(name).stem or source


def build(segments: Iterable[Segment], sep: str = "\n\n") -> tuple[str, list[Block]]:
    """Join segment texts with `sep`; each segment becomes one block.

    The separator after a segment belongs to that segment's block, so blocks are contiguous,
    in order, and cover the whole text.
    """
    parts: list[str] = []
    blocks: list[Block] = []
    pos = 0
    for text, page, section in segments:
        if not text:
            continue
        if parts:
            parts.append(sep)
            pos += len(sep)
            blocks[-1].end = pos
        parts.append(text)
        blocks.append(Block(start=pos, end=pos + len(text), page=page, section=section))
        pos += len(text)
    return "".join(parts), blocks


def human_size(size: int) -> str:
    """1536 -> '1.5 KB' (binary units, as file managers show them)."""
    if size < 1024:
        return f"{size} bytes"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            break
    return f"{value:.1f} {unit}"
