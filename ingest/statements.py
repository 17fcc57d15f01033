"""Which financial statement or filing section each chunk sits in, read at ingest from headings.

    label_statements(doc, chunks)  -> the chunks, each with `statement` set ('cash_flows',
                                      'balance_sheet', 'mdna', 'risk_factors', ... or None)

A filing is read top to bottom, keeping the statement or section in force. What changes it:

- a Part/Item heading (a block's `section` in an HTML filing, an "Item 7." line in a PDF) or an
  exhibit's heading ("EXHIBIT 10.33"): the label becomes what the heading names, or nothing;
- a heading line ("Consolidated Statements of Cash Flows", "NOTE 12. Segment Information"), in
  the text or a table's caption, that the finance vocabulary names (`statement_for`).

Inside a narrative section (vocabulary `narrative = true`: MD&A, risk factors, market risk) the
subheadings are the section's own ("Cash Flows", "Segment Results"): only another narrative
section, the financial statements or notes, or a statement's own title ("Consolidated Balance
Sheets") changes the label; inside the notes, a numbered note's heading ("Note 17 - Operating
Segments") starts the next one, and the notes' own subheadings ("Balance Sheet Location" over a
table of derivatives) are ignored. A chunk takes the label covering most of its labelled text. Headings are
lines: short (at most 16 words), most longer words capitalised, no table cells, not ending like a
sentence. PDFs carry no sections, so their Item lines are what marks the sections.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.documents import Chunk, Document
from ingest.finance.lookup import NOTES, statement_for
from ingest.finance.vocabulary import load_vocabulary

_ITEM = re.compile(r"^\s*(?:PART\s+[IV]{1,3}\W{0,3}\s*)?ITEM\s+\d{1,2}[A-C]?\b", re.IGNORECASE)
_EXHIBIT = re.compile(r"^\s*(?:EXHIBIT|EX-)\s*\d{1,3}(?:\.\d{1,3})?\b", re.IGNORECASE)
_NOTE = re.compile(r"^\s*\(?note\s+\d{1,2}\b", re.IGNORECASE)
_NAMED = re.compile(r"[A-Za-z\u2019']+")
# A statement's own title, which ends a narrative section: "Consolidated Statements of Income",
# "Condensed Consolidated Balance Sheets" (not "Certain Balance Sheet Data" inside MD&A).
_FORMAL_TITLE = re.compile(r"^(?:(?:condensed|consolidated|combined)\s+)*"
                           r"(?:statements?\s+of\b|balance\s+sheets?\s*(?:\(.*\))?\s*$)", re.IGNORECASE)
_FORMAL_WORDS = 10
_HEADING_WORDS = 16
_HEADING_CHARS = 130
_CAPITALISED = 0.75


def is_heading(line: str) -> bool:
    """A line set like a heading: short, no table cells, most words of four or more letters
    capitalised, not starting in lower case (a wrapped line) nor ending like a sentence or a
    clause ("See accompanying Notes to Consolidated
    Financial Statements." under each statement is not a heading)."""
    line = " ".join(line.split())
    if not line or len(line) > _HEADING_CHARS or len(line.split()) > _HEADING_WORDS:
        return False
    if " | " in line or line.endswith((".", ",", ";")) or line[0].islower():
        return False
    words = [w for w in _NAMED.findall(line) if len(w) >= 4]
    return bool(words) and sum(w[0].isupper() for w in words) / len(words) >= _CAPITALISED


def _narrative(label: str | None) -> bool:
    statements = load_vocabulary().statements
    return label is not None and label in statements and statements[label].narrative


def _generic(label: str | None) -> bool:
    statements = load_vocabulary().statements
    return label is not None and label in statements and statements[label].generic


def _named(heading: str) -> str | None:
    found = statement_for(heading)
    return found.id if found else None


class _Reader:
    """The label in force while reading a document, and where it changed."""

    def __init__(self) -> None:
        self.label: str | None = None
        self.in_notes = False  # inside the notes: only a numbered note's heading starts another
        self.changes: list[tuple[int, str | None]] = [(0, None)]

    def set(self, offset: int, label: str | None) -> None:
        if label != self.label:
            self.label = label
            self.changes.append((offset, label))

    def section(self, offset: int, heading: str | None) -> None:
        """A Part/Item section or an exhibit starts: its name, or nothing, is the label."""
        self.in_notes = False
        self.set(offset, _named(heading) if heading else None)

    def heading(self, offset: int, line: str) -> None:
        named = _named(line)
        if named is None:
            return
        note = bool(_NOTE.match(line))
        if (_narrative(self.label) or self.in_notes) and not (
            note or _narrative(named) or _generic(named)
            or (_FORMAL_TITLE.match(line) and len(line.split()) <= _FORMAL_WORDS)
        ):
            return  # a subheading of MD&A, risk factors or a note ("Balance Sheet Location")
        self.in_notes = note or named == NOTES or (self.in_notes and not _FORMAL_TITLE.match(line))
        self.set(offset, named)


def _lines(text: str, start: int, end: int) -> list[tuple[int, str]]:
    out = []
    pos = start
    for line in text[start:end].splitlines(keepends=True):
        out.append((pos, line.strip()))
        pos += len(line)
    return out


def statement_changes(doc: Document) -> list[tuple[int, str | None]]:
    """Where the label changes in `doc.text`: (offset, label), in order, from (0, None)."""
    reader = _Reader()
    section: str | None = None
    text = doc.text
    for block in sorted(doc.blocks, key=lambda b: b.start):
        if block.section != section:
            section = block.section
            reader.section(block.start, section)
        lines = _lines(text, block.start, block.end)
        for i, (offset, line) in enumerate(lines):
            if _ITEM.match(line) or _EXHIBIT.match(line):
                if len(line.split()) > _HEADING_WORDS:
                    continue
                # "Item 7." alone on its line: its name is on the next one
                following = next((nxt for _, nxt in lines[i + 1:i + 3] if nxt), "")
                named = line if len(_NAMED.findall(line)) > 2 else f"{line} {following}"
                reader.section(offset, named if _ITEM.match(line) else None)
            elif is_heading(line):
                reader.heading(offset, line)
    return reader.changes


def label_at(changes: Sequence[tuple[int, str | None]], start: int, end: int) -> str | None:
    """The label covering most of text[start:end], unlabelled text aside (a chunk that runs
    from a cover page into "Item 1. Financial Statements" is in the financial statements); the
    one in force at `start` on a tie."""
    covered: dict[str | None, int] = {}
    for i, (offset, label) in enumerate(changes):
        until = changes[i + 1][0] if i + 1 < len(changes) else max(end, offset) + 1
        overlap = min(end, until) - max(start, offset)
        if overlap > 0 or offset <= start < until:
            covered[label] = covered.get(label, 0) + max(overlap, 0)
    if len(covered) > 1:
        covered.pop(None, None)
    return max(covered.items(), key=lambda item: item[1])[0] if covered else None


def label_statements(doc: Document, chunks: Sequence[Chunk]) -> list[Chunk]:
    """The chunks, each labelled with the statement or section it sits in."""
    changes = statement_changes(doc)
    return [c.model_copy(update={"statement": label_at(changes, c.start, c.end)}) for c in chunks]
