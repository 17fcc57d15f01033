"""Web articles: main text and metadata via trafilatura; boilerplate (menus, ads, comments) dropped.

Options were tuned on tests/fixtures articles and the shared article corpus (word-level F1 against
hand-made expected texts): favor_precision with comments off scored best.
"""

from __future__ import annotations

import re
from typing import Any

import trafilatura
from lxml.etree import ParserError, _Element
from trafilatura.settings import Document as TrafilaturaDocument

from ingest.dates import iso_date
from ingest.documents import Document
from ingest.locations import is_url

from ._article import annotate_article
from ._common import Segment, base_meta, build, log, stem_title
from ._decoding import squash
from ._errors import no_html_text_error
from ._htmltext import paragraphs, parse

_OPTIONS: dict[str, Any] = {
    "favor_precision": True,
    "include_comments": False,
    "include_tables": True,
    "with_metadata": True,
}
_MIN_CHARS = 200  # shorter than this and a precision-first extraction likely lost the article
_LANG = re.compile(
    r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})\b"
    r"|<meta[^>]+http-equiv\s*=\s*[\"']?content-language[\"']?[^>]+content\s*=\s*[\"']?([A-Za-z]{2,3})\b"
    r"|<meta[^>]+property\s*=\s*[\"']?og:locale[\"']?[^>]+content\s*=\s*[\"']?([A-Za-z]{2,3})\b",
    re.I,
)
# A heading that starts the page furniture after an article: it and all that follows are dropped.
_TRAILER_HEAD = re.compile(
    r"^(trending|related|recommended|popular|most (popular|read|viewed)|more (from|on|in|stories|news|"
    r"articles)\b|read (more|next)|latest (articles|news|stories)|top stories|you (may|might) also|"
    r"see also|also read|further reading|around the web|sponsored|editor'?s picks)",
    re.I,
)


def load_html(html: str, source: str) -> Document:
    url = source if is_url(source) else None
    extracted = _extract(html, url)
    segments = _segments(extracted.body) if extracted is not None else []
    page_title = ""
    if not any(text for text, _, _ in segments):
        log.warning("%s: no article found; keeping all visible text of the page", source)
        try:
            root = parse(html)
        except ParserError:  # nothing a parser can build a page from, e.g. just "<html"
            raise no_html_text_error(html, source) from None
        page_title = squash(root.findtext(".//title") or "")
        segments = [("\n\n".join(p.text for p in paragraphs(root)), None, None)]
    text, blocks = build(segments)
    if not text:
        raise no_html_text_error(html, source)
    meta = base_meta(source)
    if extracted is not None:
        meta.title = squash(extracted.title or "")
        meta.site = squash(extracted.sitename or "") or None
        meta.author = _author(extracted.author, meta.site)
        meta.published = iso_date(extracted.date)
    lang = _LANG.search(html[:50_000])
    meta.language = next(g for g in lang.groups() if g).lower() if lang else None
    meta.title = meta.title or page_title or stem_title(source)
    annotate_article(meta, text)
    return Document(text=text, kind="html", meta=meta, blocks=blocks)


def _author(found: str | None, site: str | None) -> str | None:
    """trafilatura's author list without the site's own name ("Finanztreff De" on finanztreff.de)
    and without bare initials ("PP")."""
    def key(text: str) -> str:
        return re.sub(r"\W", "", text.lower())

    names = [squash(n) for n in (found or "").split(";")]
    kept = [n for n in names if len(n) > 3 and key(n) != key(site or "")]
    return "; ".join(kept) or None


def _extract(html: str, url: str | None) -> TrafilaturaDocument | None:
    """Precision-first; if that finds (almost) nothing, a default extraction."""
    best = _bare(html, url, favor_precision=True)
    if best is None or len(best.text or "") < _MIN_CHARS:
        retry = _bare(html, url, favor_precision=False)
        if retry is not None and len(retry.text or "") > len((best and best.text) or ""):
            best = retry
    return best


def _bare(html: str, url: str | None, *, favor_precision: bool) -> TrafilaturaDocument | None:
    options = {**_OPTIONS, "favor_precision": favor_precision}
    try:
        result = trafilatura.bare_extraction(html, url=url, **options)
    except AssertionError:  # htmldate's date search fails on a page whose root is e.g. <iframe>
        try:
            result = trafilatura.bare_extraction(html, url=url, **{**options, "with_metadata": False})
        except AssertionError:
            return None  # the caller keeps the page's visible text instead
    return result if isinstance(result, TrafilaturaDocument) else None


def _segments(body: _Element | None) -> list[Segment]:
    """trafilatura's XML body -> one segment per heading-led section. A furniture heading
    ("Related", "Trending On Reuters") is dropped; if only a short tail (under a quarter of the
    words before it) follows, that tail is page furniture too and is dropped with it."""
    if body is None:
        return []
    items = [(el.tag == "head", text) for el in body if (text := _element_text(el))]
    for i, (is_head, text) in enumerate(items):
        if is_head and _TRAILER_HEAD.match(text):
            before = sum(len(t.split()) for _, t in items[:i])
            after = sum(len(t.split()) for _, t in items[i + 1 :])
            items = items[:i] if after < before / 4 else items[:i] + items[i + 1 :]
            break
    segments: list[Segment] = []
    current: list[str] = []
    section: str | None = None
    for is_head, text in items:
        if is_head:
            segments.append(("\n\n".join(current), None, section))
            current, section = [], text[:80]
        current.append(text)
    segments.append(("\n\n".join(current), None, section))
    return segments


def _element_text(el: _Element) -> str:
    tag = el.tag
    if tag == "list":
        items = (_inline(item) for item in el.iter("item"))
        return "\n".join(f"- {item}" for item in items if item)
    if tag == "table":
        rows = []
        for row in el.iter("row"):
            cells = [_inline(cell) for cell in row if cell.tag == "cell"]
            line = " | ".join(c for c in cells if c)
            if line:
                rows.append(line)
        return "\n".join(rows)
    return _inline(el)


def _inline(el: _Element) -> str:
    """Text of an element; <lb/> line breaks are kept as newlines."""
    parts: list[str] = []

    def walk(node: _Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if child.tag == "lb":
                parts.append("\n")
            elif child.tag != "graphic":
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    lines = (squash(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)
