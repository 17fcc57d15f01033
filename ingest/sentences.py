"""Sentence splitting: a text's sentences as ``(start, end)`` spans, for chunking and answering.

Rules, not a model: line units (hard-wrapped prose glued back), then sentence ends after ``. ? !``
unless an abbreviation, initial, dotted abbreviation or heading number says otherwise.
"""

from __future__ import annotations

import re

__all__ = ["line_spans", "split_sentences", "strip_span"]

_LINE_RE = re.compile(r"[^\n]+")
# A sentence ends at . ? ! (plus closing quotes/brackets) before whitespace and an uppercase
# letter, a digit, '$' or an opening quote/bracket; a bullet glyph after whitespace starts a unit.
_BOUNDARY_RE = re.compile(
    r"(?P<punct>[.?!]+)[\"'\u201d\u2019)\]]*(?P<ws>\s+)(?=[\"'\u201c\u2018(\[]?[A-Z0-9$])"
    r"|(?P<bws>\s+)(?=[\u2022\u25cf\u25aa\u2023\u25e6])"
)
# Lines that start like a list item: never glued to the previous line.
_LOWER_BULLET_RE = re.compile(r"(?:[a-z]|[ivx]{1,4})[.)]\s")
_DOTTED_RE = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")  # U.S. e.g. i.e. U.K. a.m. N.A.

# "X." never ends a sentence when X is one of these (case-sensitive: "SEC." may end one).
_ABBREV = frozenset(
    """
    Inc INC Corp CORP Co CO Ltd LTD Cos Bros Mr Mrs Ms Messrs Dr Prof Sr Jr St Mt Ave Blvd
    Dept Assn Gov Sen Rep Gen Hon Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
    vs Vs approx Approx est Est cf Cf al Fig Figs fig figs Vol vol Ref ref Nr nr
    """.split()  # noqa: SIM905
)
# "X." followed by a digit is not a sentence end for these ("No. 333-12345", "Sec. 10(b)").
_ABBREV_BEFORE_DIGIT = frozenset(
    "No NO no Nos nos Sec Art Para Reg Ex Exh pp p Pt pt".split()  # noqa: SIM905
)
_OPENERS = "(\"'\u201c\u2018["
# "Item 7. Management's Discussion", "Note 5. Segment Information": a heading number, not an end.
_HEADING_NUM_RE = re.compile(
    r"(?<!\S)(?:Item|ITEM|Note|NOTE|Part|PART|Section|SECTION|Article|ARTICLE|Schedule|Exhibit)"
    r"\s+(?:\d{1,3}[A-Z]?|[IVX]{1,5})$"
)


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    seg = text[start:end]
    stripped = seg.lstrip()
    if not stripped:
        return start, start
    start += len(seg) - len(stripped)
    return start, start + len(stripped.rstrip())


_NUMBER_RE = re.compile(r"\d[\d,.]*")


def _is_soft_wrap(prev_line: str, line: str) -> bool:
    """True if `line` continues the sentence of `prev_line` (a hard-wrapped paragraph)."""
    if not line[0].islower() or "|" in line or "|" in prev_line:
        return False
    first_word = line.split(maxsplit=1)[0]
    if not first_word.islower():  # "iPhone", "eBay": a new line that starts with a name
        return False
    numbers = len(_NUMBER_RE.findall(prev_line))
    if numbers >= 2 and numbers >= 0.3 * len(prev_line.split()):  # a row of figures
        return False
    return _LOWER_BULLET_RE.match(line) is None


def _word_before(text: str, pos: int, lo: int) -> str:
    """The whitespace-delimited word ending at `pos` (at most 40 chars back), openers stripped."""
    i = pos
    stop = max(lo, pos - 40)
    while i > stop and not text[i - 1].isspace():
        i -= 1
    return text[i:pos].lstrip(_OPENERS)


def _ends_sentence(text: str, m: re.Match[str], lo: int) -> bool:
    if m.group("punct") != ".":
        return True  # ? ! or an ellipsis
    word = _word_before(text, m.start(), lo)
    if not word:
        return True
    if word in _ABBREV:
        return False
    if word in _ABBREV_BEFORE_DIGIT and text[m.end()].isdigit():
        return False
    if len(word) == 1 and word.isupper():
        return False  # an initial: "Timothy D. Cook", "J. P. Morgan"
    if (
        len(word) <= 5
        and m.end("punct") == m.start("ws")  # "(See Note 5.) Next." does end at the ")"
        and _HEADING_NUM_RE.search(text, max(lo, m.start() - 24), m.start())
    ):
        return False
    return _DOTTED_RE.fullmatch(word) is None


def _units(text: str) -> list[tuple[int, int]]:
    """Line units: each non-blank line, except that hard-wrapped prose lines are glued back."""
    units: list[tuple[int, int]] = []
    prev_line = ""
    prev_raw_end = -2  # end of the previous raw line (its newline is at this index)
    for m in _LINE_RE.finditer(text):
        s, e = strip_span(text, m.start(), m.end())
        if s == e:
            prev_line = ""  # a blank line: a paragraph break
            continue
        line = text[s:e]
        if prev_line and m.start() == prev_raw_end + 1 and _is_soft_wrap(prev_line, line):
            units[-1] = (units[-1][0], e)
        else:
            units.append((s, e))
        prev_line = line
        prev_raw_end = m.end()
    return units


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` in `text`, stripped of surrounding whitespace.

    Splits after ``. ? !`` followed by whitespace and an uppercase letter, digit, ``$`` or quote;
    at every line end (table rows ``a | b | c`` and bullet lines are their own units), except
    that a line starting with a lowercase letter continues a hard-wrapped sentence; and before a
    bullet glyph. Never after abbreviations (Inc., Corp., Co., Ltd., Mr., Dr., Jan. ... Dec.,
    vs., approx., No. 5), dotted abbreviations (U.S., e.g., i.e.) or initials (D. Cook).
    Decimals ("$1.6 billion", "2.5%") never split: there is no whitespace after their period.

    The spans are in order, disjoint, non-empty, and cover every non-whitespace character.
    """
    out: list[tuple[int, int]] = []
    for us, ue in _units(text):
        start = us
        for m in _BOUNDARY_RE.finditer(text, us, ue):
            if m.group("punct") is not None:
                if not _ends_sentence(text, m, us):
                    continue
                end, nxt = m.start("ws"), m.end("ws")
            else:
                end, nxt = m.start("bws"), m.end("bws")
            if end > start:
                out.append((start, end))
            start = nxt
        if ue > start:
            out.append((start, ue))
    return out




def line_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Each non-blank line of ``text[start:end]``, stripped."""
    found = _LINE_RE.finditer(text, start, end)
    spans = (strip_span(text, m.start(), m.end()) for m in found)
    return [(s, e) for s, e in spans if e > s]

