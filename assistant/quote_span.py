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
