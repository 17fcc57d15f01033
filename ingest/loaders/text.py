"""Plain text (.txt) and Markdown (.md, .markdown).

An article saved as text gives what its own lines say: a "By Jane Doe" line (author), a date line
near the top ("Published: May 14, 2025"), a "Source: Reuters" line (site), a numbered reference
list ("Source: [1] Title, [url] ..."), and the companies it names.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from dateutil import parser as dateparser

from ingest.dates import iso_date
from ingest.documents import Block, DocMeta, Document

from ._article import annotate_article
from ._common import base_meta, stem_title
from ._decoding import decode_text, normalize_newlines, squash
from ._errors import no_text_error

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_DECOR = r"[\s*_#>]*"  # Markdown emphasis, headings, quotes around a header line
_BYLINE = re.compile(
    rf"^{_DECOR}(?:by|written by|author:|authors:)\s+(?P<name>[^|•·\n]+?)"
    rf"(?:\s*[|•·,]\s*(?P<rest>.*?))?{_DECOR}$", re.I)
_DATELINE = re.compile(
    rf"^{_DECOR}(?:(?:published|updated|posted|date|dated)(?: on)?\s*:?\s*)?"
    rf"(?P<date>[^\n]{{6,60}}?){_DECOR}$", re.I)
_SOURCE_LINE = re.compile(rf"^{_DECOR}(?:source|via|publisher)\s*:{_DECOR}(?P<site>[^\[\n]+?){_DECOR}$",
                          re.I | re.M)
_YEAR = re.compile(r"\b(19[89]\d|20\d\d)\b")
_HEADER_LINES = 15


def load_text(data: bytes, source: str) -> Document:
    text = _decode(data, source)
    meta = base_meta(source)
    meta.title = _title(text) or stem_title(source)
    article_meta(meta, text)
    return Document.single_block(text, "text", meta)


def load_markdown(data: bytes, source: str) -> Document:
    text = _decode(data, source)
    meta = base_meta(source)
    meta.title = _title(text) or stem_title(source)
    article_meta(meta, text)
    return Document(text=text, kind="markdown", meta=meta, blocks=markdown_blocks(text))


def markdown_blocks(text: str) -> list[Block]:
    """Each ATX heading (outside fenced code) starts a block whose section is the heading."""
    blocks = [Block(start=0, end=len(text))]
    pos = 0
    in_fence = False
    for line in text.splitlines(keepends=True):
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line.rstrip("\n"))
        if match:
            section = match.group(2).strip()
            if pos == 0:
                blocks[0].section = section
            else:
                blocks[-1].end = pos
                blocks.append(Block(start=pos, end=len(text), section=section))
        pos += len(line)
    return blocks


def _decode(data: bytes, source: str) -> str:
    text = normalize_newlines(decode_text(data, source))
    if not text.strip():
        raise no_text_error(source, "only whitespace")
    return text


def _title(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line and line.strip("-=*_~` "):  # skip rules and front-matter fences
            return line.lstrip("#").strip()[:200]
    return ""


def article_meta(meta: DocMeta, text: str) -> None:
    """Author, date and site from the text's own header lines; references, companies, language."""
    for line in text.splitlines()[:_HEADER_LINES]:
        line = line.strip()
        if not line:
            continue
        byline = _BYLINE.match(line)
        if byline and not meta.author and len(byline.group("name").split()) <= 8:
            meta.author = squash(byline.group("name")).rstrip(".,") or None
            meta.published = meta.published or _date(byline.group("rest") or "")
        elif not meta.published and len(line) <= 80:
            found = _DATELINE.match(line)
            meta.published = _date(found.group("date")) if found else None
    site = _SOURCE_LINE.search(text)
    if site and not meta.site:
        value = site.group("site").strip().rstrip(".")
        meta.site = (urlsplit(value).hostname or value) if value.startswith("http") else value[:100]
    annotate_article(meta, text)


def _date(text: str) -> str | None:
    """A calendar date written on its own ('May 14, 2025', '2025-05-14T09:30:00-04:00'), as ISO.
    The date is the one written, never shifted through a time zone; a date without a day
    ('Q2 2025', 'May 2025') is not a publication date."""
    text = text.strip()
    if not text or not _YEAR.search(text):
        return None
    found = iso_date(text)
    if found:
        return found
    try:  # parsed against two defaults: a field the text lacks comes out different
        one, two = (dateparser.parse(text, default=datetime(2000, m, m), ignoretz=True) for m in (1, 2))
    except (ValueError, OverflowError):
        return None
    if one.day != two.day or one.month != two.month or one.year != two.year:
        return None
    return one.date().isoformat()
