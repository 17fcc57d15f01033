"""Plain HTML (and inline XBRL) to readable paragraphs with lxml.

Block elements end a paragraph, <br> ends a line, each table row becomes one line with its
non-empty cells joined by " | ". Scripts, styles, the <head>, the inline-XBRL header and
elements hidden with `display:none` are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml.html import HtmlElement

from ._common import squash

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
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_LINE_BREAK = "\x00"  # a <br> inside a paragraph; split on it when the paragraph ends
_RULE = re.compile(r"[-=_*|\s]+")
_COLUMN_GAP = re.compile(r"[ \t\xa0]{3,}")
_PREFIX_CELLS = {"$", "€", "£", "¥", "(", "($", "$(", "•", "●", "◦", "▪", "-", "–", "—"}
_SUFFIX_CELLS = {")", "%", ")%", "%)", "pts", "bps"}


@dataclass
class Para:
    text: str
    in_table: bool = False


def parse(html: str) -> HtmlElement:
    return lxml.html.document_fromstring(_XML_DECL.sub("", html, count=1))


def paragraphs(root: HtmlElement) -> list[Para]:
    walker = _Walker()
    walker.walk(root)
    walker.flush()
    size = sum(len(p.text) for p in walker.out)
    if size > 20_000 and len(walker.out) < size / 3_000:
        # Plain text wrapped in HTML (old EDGAR filings): its own line breaks are the layout.
        walker = _Walker(keep_lines=1)
        walker.walk(root)
        walker.flush()
    return walker.out


class _Walker:
    def __init__(self, keep_lines: int = 0) -> None:
        self.out: list[Para] = []
        self.buf: list[str] = []
        self.keep_lines = keep_lines  # > 0 inside <pre> or for plain-text documents

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
            rows = table_rows(el)
            if rows:
                self.out.append(Para("\n".join(rows), in_table=True))
            return
        block = tag in _BLOCK
        if block:
            self.flush()
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


def table_rows(table: HtmlElement) -> list[str]:
    """One line per row of this table (not of tables nested in its cells)."""
    rows: list[str] = []
    for tr in table.iter("tr"):
        if _owner_table(tr) is not table or _HIDDEN.search(tr.get("style", "")):
            continue
        cells = [_cell_text(td) for td in tr if td.tag in ("td", "th")]
        line = " | ".join(_merge_cells([c for c in cells if c]))
        if line:
            rows.append(line)
    return rows


def _owner_table(el: HtmlElement) -> HtmlElement | None:
    parent = el.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _cell_text(cell: HtmlElement) -> str:
    walker = _Walker()
    walker.walk(cell)
    walker.flush()
    return " ".join(squash(p.text) for p in walker.out)


def _merge_cells(cells: list[str]) -> list[str]:
    """Glue '$' to the number after it and ')' or '%' to the number before it."""
    merged: list[str] = []
    carry = ""
    for cell in cells:
        if cell in _SUFFIX_CELLS and merged and not carry:
            merged[-1] += cell
        elif cell in _PREFIX_CELLS:
            carry += cell if cell not in ("•", "●", "◦", "▪", "-", "–", "—") else cell + " "
        else:
            merged.append(carry + cell)
            carry = ""
    if carry.strip():
        merged.append(carry.strip())
    return merged
