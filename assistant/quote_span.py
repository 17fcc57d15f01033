"""Where a quoted passage sits in a text that may spell it differently: a PDF page's text (line
breaks, words hyphenated across lines, ligatures, typographic quotes) or a document's stored text.

Both sides are compared by their letters and digits only (Unicode-compatibility folded, case
folded), so whitespace, punctuation and a line-end hyphen never decide a match; the match is then
mapped back to offsets in the original text."""

from __future__ import annotations

import re
import unicodedata

_LEADING = re.compile(r"^\W*")
_TRAILING = re.compile(r"\W*$")


def skeleton(text: str) -> tuple[str, list[int]]:
    """`text`'s letters and digits, folded, and for each of them the offset in `text` it came from
    (a ligature such as 'ﬁ' gives two letters from one offset)."""
    letters: list[str] = []
    offsets: list[int] = []
    for at, char in enumerate(text):
        if char.isascii():  # most of a filing: no folding needed
            if char.isalnum():
                letters.append(char.lower())
                offsets.append(at)
            continue
        folded = unicodedata.normalize("NFKC", char).casefold()
        for letter in folded:
            if letter.isalnum():
                letters.append(letter)
                offsets.append(at)
    return "".join(letters), offsets


def find_span(text: str, quote: str, *, near: int = 0) -> tuple[int, int] | None:
    """(start, end) offsets of `quote` in `text`, matched by letters and digits; the occurrence
    at or after offset `near` when there is one, else the first. None when the quote is not there
    (or has no letters or digits)."""
    wanted, _ = skeleton(quote)
    if not wanted:
        return None
    letters, offsets = skeleton(text)
    from_letter = next((i for i, at in enumerate(offsets) if at >= near), len(offsets))
    found = letters.find(wanted, from_letter)
    if found < 0:
        found = letters.find(wanted)
    if found < 0:
        return None
    start, end = offsets[found], offsets[found + len(wanted) - 1] + 1
    return _with_edges(text, quote.strip(), start, end)


def find_cells(text: str, quote: str) -> list[tuple[int, int]]:
    """For a quoted table row as the store keeps it ("label | header: value | header: value",
    ingest/loaders/tables.py), the spans of its label and its values that `text` holds, in
    order, each once; [] for a quote that is not a table row. A PDF page lays the row out cell by
    cell with the headers elsewhere, so the stored row is found piecewise, headers left out."""
    if " | " not in quote:
        return []
    label, *figures = quote.split(" | ")
    spans: list[tuple[int, int]] = []
    for cell in [label, *(figure.rpartition(": ")[2] for figure in figures)]:
        span = find_span(text, cell, near=spans[-1][1] if spans else 0)
        if span is not None and span not in spans:
            spans.append(span)
    return sorted(spans)


def find_part(text: str, quote: str, *, min_letters: int = 24) -> tuple[int, int] | None:
    """(start, end) of the longest head or tail of `quote` that `text` holds, at least
    `min_letters` letters and digits long: the part of a quote that runs over a page break
    which is on this page. None when neither is there."""
    wanted, _ = skeleton(quote)
    letters, offsets = skeleton(text)
    best: tuple[int, int] | None = None
    for part in (_longest(letters, wanted, head=True), _longest(letters, wanted, head=False)):
        if part is not None and part[1] - part[0] >= min_letters and (
                best is None or part[1] - part[0] > best[1] - best[0]):
            best = part
    if best is None:
        return None
    return offsets[best[0]], offsets[best[1] - 1] + 1


def _longest(letters: str, wanted: str, *, head: bool) -> tuple[int, int] | None:
    """Where in `letters` the longest head (or tail) of `wanted` is, as letter offsets; binary
    search, as a part that is found has all its shorter heads (tails) found too."""
    def part(n: int) -> str:
        return wanted[:n] if head else wanted[len(wanted) - n:]

    low, high = 0, len(wanted)  # part(low) is found; part(high + 1) is not
    while low < high:
        middle = (low + high + 1) // 2
        if part(middle) in letters:
            low = middle
        else:
            high = middle - 1
    if low == 0:
        return None
    at = letters.find(part(low))
    return at, at + low


def _with_edges(text: str, quote: str, start: int, end: int) -> tuple[int, int]:
    """The span widened over as much of the punctuation the quote starts or ends with (a closing
    period, a percent sign, quotation marks) as the text has there too."""
    lead = quote[: len(quote) - len(_LEADING.sub("", quote))]
    trail = quote[len(_TRAILING.sub("", quote)):]
    while lead and start > 0 and text[start - 1] == lead[-1]:
        start, lead = start - 1, lead[:-1]
    while trail and end < len(text) and text[end] == trail[0]:
        end, trail = end + 1, trail[1:]
    return start, end
