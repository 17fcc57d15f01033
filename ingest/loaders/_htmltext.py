"""Plain HTML (and inline XBRL) to readable paragraphs with lxml.

Block elements end a paragraph, <br> ends a line, each table row becomes one line with its
non-empty cells joined by " | " (see `tables`: in a table with figures each figure is labelled
with its column header, and the title and units just above the table join it as its head; an
inline-XBRL table whose text states no units gets a units line read from its facts' `scale` and
`unitRef`, see `ingest.units`).
Scripts, styles, the <head>, the inline-XBRL header and elements hidden with `display:none` are
dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from lxml.html import HtmlElement

from ingest import units
from ingest.documents import TableFigure

from . import tables
from ._decoding import squash
from ._xbrl import context_periods

_SKIP = {
    "script", "style", "head", "title", "noscript", "template", "svg", "iframe", "object",
    "ix:header", "select", "button",
}
_BLOCK = {
    "address", "article", "aside", "blockquote", "body", "center", "dd", "div", "dl", "dt",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "ul", "caption",
}
_HIDDEN = re.compile(r"display\s*:\s*none", re.I)
_PAGE_BREAK = re.compile(r"page-break-(?:before|after)\s*:\s*always|break-(?:before|after)\s*:\s*page", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_LINE_BREAK = "\x00"  # a <br> inside a paragraph; split on it when the paragraph ends
_RULE = re.compile(r"[-=_*|\s]+")
_COLUMN_GAP = re.compile(r"[ \t\xa0]{3,}")


@dataclass
class Para:
    text: str
    in_table: bool = False
    data_table: bool = False  # a table with figures, rendered by `tables`
    head_len: int = 0  # of a data table: text[:head_len] is its caption, units and header rows
    figures: list[TableFigure] = field(default_factory=list)  # of a data table, placed in text


def parse(html: str) -> HtmlElement:
    return lxml.html.document_fromstring(_XML_DECL.sub("", html, count=1))


def paragraphs(root: HtmlElement) -> list[Para]:
    xbrl = units.XbrlUnits(root)
    contexts = context_periods(root) if xbrl else {}
    walker = _Walker(xbrl=xbrl, contexts=contexts)
    walker.walk(root)
    walker.flush()
    size = sum(len(p.text) for p in walker.out)
    if size > 20_000 and len(walker.out) < size / 3_000:
        # Plain text wrapped in HTML (old EDGAR filings): its own line breaks are the layout.
        walker = _Walker(keep_lines=1, xbrl=xbrl, contexts=contexts)
        walker.walk(root)
        walker.flush()
    return walker.out


class _Walker:
    def __init__(self, keep_lines: int = 0, xbrl: units.XbrlUnits | None = None,
                 contexts: dict[str, dict[str, str]] | None = None) -> None:
        self.xbrl = xbrl  # the units an inline-XBRL document defines
        self.contexts = contexts or {}  # and the periods of its contexts
        self.out: list[Para] = []
        self.buf: list[str] = []
        self.keep_lines = keep_lines  # > 0 inside <pre> or for plain-text documents
        self.page_start = 0  # index in `out` of the first paragraph after the last page break

    def add(self, text: str) -> None:
        self.buf.append(text.replace("\n", _LINE_BREAK) if self.keep_lines else text)

    def flush(self) -> None:
        """End the paragraph; a blank line (two <br>s, or an empty <pre> line) splits it."""
        if not self.buf:
            return
        lines: list[str] = []
        for raw in "".join(self.buf).split(_LINE_BREAK):
            line = _pre_line(raw) if self.keep_lines else squash(raw)
            if line:
                lines.append(line)
            elif lines:
                self.out.append(Para("\n".join(lines)))
                lines = []
        if lines:
            self.out.append(Para("\n".join(lines)))
        self.buf.clear()

    def walk(self, el: HtmlElement) -> None:
        tag = el.tag
        if not isinstance(tag, str):  # comment or processing instruction: only its tail counts
            return
        if tag in _SKIP or _HIDDEN.search(el.get("style", "")):
            return
        if tag == "br":
            self.buf.append(_LINE_BREAK)
            return
        if tag == "pre":
            self.flush()
            self.keep_lines += 1
            self._children(el)
            self.keep_lines -= 1
            self.flush()
            return
        if tag == "table":
            self.flush()
            self.out.extend(_table_paras(el, self.out, self.page_start, self.xbrl, self.contexts))
            return
        block = tag in _BLOCK
        if block:
            self.flush()
        if tag == "hr" or _PAGE_BREAK.search(el.get("style", "")):
            self.page_start = len(self.out)  # a caption never reaches across a page break
        self._children(el)
        if block:
            self.flush()

    def _children(self, el: HtmlElement) -> None:
        if el.text:
            self.add(el.text)
        for child in el:
            self.walk(child)
            if child.tail:
                self.add(child.tail)


def _pre_line(line: str) -> str:
    """A line of preformatted text: column gaps become " | ", rules of dashes are dropped."""
    line = line.strip()
    if not line or _RULE.fullmatch(line):
        return ""
    return squash(_COLUMN_GAP.sub(" | ", line))


_CAPTION_MAX = 200
_MAX_CAPTIONS = 4
_SECTION_HEADING = re.compile(r"^(?:part\s+[ivx]+|item\s+\d)", re.I)
_UNITS = re.compile(r"\b(?:in|amounts in)\s+(?:thousands|millions|billions)\b", re.I)


def _table_paras(table: HtmlElement, before: list[Para], floor: int = 0,
                 xbrl: units.XbrlUnits | None = None,
                 contexts: dict[str, dict[str, str]] | None = None) -> list[Para]:
    """A table with figures becomes one Para that starts with the short paragraphs just above
    it (its title, units, '(Unaudited)'), taken out of `before`, then its header rows; then,
    where those state no units, the units its inline-XBRL facts state."""
    cell_rows = tables.grid_rows(table, _cell_text)
    if not cell_rows:
        return []
    rendered = tables.render(cell_rows)
    if not rendered.has_figures or len(cell_rows) < 2:
        return [Para("\n".join(rendered.rows), in_table=True)]
    captions: list[str] = []
    while len(before) > floor and len(captions) < _MAX_CAPTIONS and _is_caption(before[-1]):
        captions.insert(0, before.pop().text)
    if xbrl and not units.states_units("\n".join(captions + rendered.head)):
        line = units.xbrl_units_line(table, xbrl)
        captions += [line] if line else []
    text, head_len, figures = rendered.joined(captions)
    for figure in figures:
        if figure.xbrl is not None and xbrl:
            figure.xbrl.update((contexts or {}).get(figure.xbrl.get("contextref", ""), {}))
            kind, currency = xbrl.kinds.get(figure.xbrl.get("unitref", ""), (None, None))
            figure.xbrl.update({"unit_kind": kind or "", "currency": currency or ""})
    return [Para(text, in_table=True, data_table=True, head_len=head_len, figures=figures)]


def _is_caption(para: Para) -> bool:
    text = para.text
    if para.in_table or len(text) > _CAPTION_MAX or _SECTION_HEADING.match(text):
        return False
    return text.endswith(":") or not text.endswith(".") or len(text.split()) <= 8 or bool(
        _UNITS.search(text)
    )


def _cell_text(cell: HtmlElement) -> str:
    walker = _Walker()
    walker.walk(cell)
    walker.flush()
    return " ".join(squash(p.text) for p in walker.out)
