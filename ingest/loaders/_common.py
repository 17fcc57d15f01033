"""Helpers shared by the loaders: decoding, blocks, metadata basics, dates."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from ingest.documents import Block, DocMeta, LoadError

log = logging.getLogger("ingest.loaders")

# (text, page, section): one block each; empty texts are dropped.
Segment = tuple[str, int | None, str | None]


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


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


def looks_binary(data: bytes) -> bool:
    """NUL bytes, or many control characters, in the first 8 KB mean it is not text."""
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a BOM is text
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return bool(head) and controls / len(head) > 0.05


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 (BOM ok), UTF-16 with a BOM, else cp1252, else latin-1 (with a warning)."""
    if looks_binary(data):
        raise LoadError(
            source,
            "is not text (it contains binary data such as NUL bytes); check the file type "
            "or re-download it",
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        log.warning("%s is not valid UTF-8; decoded it as %s", source, encoding)
        return text
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


_DECLARED = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""",
    re.I,
)


def decode_html(data: bytes, source: str, charset: str | None = None) -> str:
    """Valid UTF-8 wins (declarations often lie); else the charset from the HTTP header or the
    page's own declaration; else cp1252 / latin-1 (with a warning)."""
    if looks_binary(data) or data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode_text(data, source)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    found = _DECLARED.search(data[:4096])
    declared = (found.group(1) or found.group(2)).decode("ascii") if found else None
    for name in (charset, declared):
        if not name:
            continue
        name = name.lower()
        if name in ("iso-8859-1", "latin1", "latin-1", "ascii", "us-ascii"):
            name = "cp1252"  # what browsers do
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return decode_text(data, source)


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def squash(text: str) -> str:
    """Collapse every run of whitespace (NBSP included) to one space."""
    return " ".join(text.split())


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


def no_text_error(source: str, what: str) -> LoadError:
    return LoadError(source, f"contains no text ({what}); check that it is the document you meant")


HTML_PARSER_MAX_DEPTH = 255  # libxml2's HTML parser gives up on a page nested deeper than this
_TAG = re.compile(r"<(/?)([A-Za-z][\w:.-]*)[^>]*?(/?)>")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
         "source", "track", "wbr"}


def nesting_depth(html: str, stop_at: int = 100_000) -> int:
    """How deeply the page's elements nest, counted from its tags (void and self-closed tags
    do not nest)."""
    depth = deepest = 0
    for match in _TAG.finditer(html):
        closing, name, self_closed = match.groups()
        if closing:
            depth = max(0, depth - 1)
        elif not self_closed and name.lower() not in _VOID:
            depth += 1
            deepest = max(deepest, depth)
            if deepest >= stop_at:
                break
    return deepest


def no_html_text_error(html: str, source: str) -> LoadError:
    """Why a page gave no text: nested too deeply for the parser, or really empty."""
    depth = nesting_depth(html)
    if depth > HTML_PARSER_MAX_DEPTH:
        return LoadError(
            source, f"is nested {depth:,} elements deep, deeper than the HTML parser reads "
            f"({HTML_PARSER_MAX_DEPTH}), so no text could be read; save the page as text or PDF "
            "(e.g. print it from a browser) and load that",
        )
    return no_text_error(source, "the page has no visible text")


_DATE_FORMATS = ("%Y-%m-%d", "%B %d %Y", "%b %d %Y", "%d %B %Y", "%m/%d/%Y", "%Y%m%d")


def iso_date(value: str | None) -> str | None:
    """'November 22, 2024' / 'Nov. 22, 2024' / '2024-11-22T10:00' -> '2024-11-22'; else None."""
    if not value:
        return None
    text = squash(value.replace(",", " ").replace(".", " ").replace("Sept ", "Sep "))
    iso = re.match(r"(\d{4}-\d{2}-\d{2})", value.strip())
    if iso:
        text = iso.group(1)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None
