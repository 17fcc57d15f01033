"""What the offline answer may quote from a passage: whole sentences and whole table rows.

Never a fragment: the sentence splitter (ingest/sentences.py) ends a unit at every line break it
cannot prove to be a soft wrap, so a PDF line that ends mid-sentence ("... as of December 31, 2021
and") is a unit of its own; here such a unit is joined to the lines that finish its sentence. What
is still not a whole sentence after that (cut at the passage's start or end, or at a page break) is
not quoted, nor is a heading, a page's running header or footer, or a row of the report's exhibit
index ("31.1 Certification of Chief Executive Officer ...") or its table of contents ("Item 3.
Quantitative and Qualitative Disclosures About Market Risk | 35").

    quotable_spans(text)                 -> [(start, end), ...]  sentences and rows of `text`
    is_heading("# Harbor Logistics")     -> True
    is_heading("Harbor Logistics moved 5,120 pallets in May.")  -> False
    is_furniture("Apple Inc. | Q3 2023 Form 10-Q | 4")          -> True
    is_cross_reference("Refer to Note 14 for information regarding legal proceedings.") -> True
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ingest.loaders.pdf_furniture import is_furniture_line
from ingest.sentences import split_sentences

# A sentence ends in . ? ! with any closing quotes or brackets after it.
_ENDS_SENTENCE = re.compile(r"[.?!][\"'\u201d\u2019)\]]*$")
# A sentence starts with a capital, a digit, '$', a quote or bracket, or a bullet glyph.
_STARTS_SENTENCE = re.compile(r"[\"'\u201c\u2018(\[]?[A-Z0-9$\u2022\u25cf\u25aa\u2023\u25e6\-–]")
_BULLET = re.compile(r"[\u2022\u25cf\u25aa\u2023\u25e6]|[-–*]\s")
_NUMBER = re.compile(r"\(?[$€£]?(?:\d[\d,.]*\d|\d)\)?%?")  # "81,797", "(1)%", "$2.5"; not "2022."
_FIGURE_START = re.compile(r"[$(]?\d")
_CURRENCY = frozenset("$ € £".split())  # noqa: SIM905
_WORD = re.compile(r"[A-Za-z][A-Za-z'’&.\-]*")
# Words a title keeps in lower case ("Results of Operations", "Risks and Uncertainties").
_MINOR = frozenset("a an and as at by for from in into of on or per the to vs with".split())  # noqa: SIM905
# Words of page furniture: forms, reports, page and contents labels, months and quarters.
_FURNITURE_WORDS = frozenset(
    """form annual quarterly report on page of table contents inc corp co ltd plc llc company
    and the fiscal year quarter fy january february march april may june july august september
    october november december
    """.split()  # noqa: SIM905
)
# A sentence that sends the reader elsewhere: "See Note 5 ...", "Refer to Part II, Item 1A ...",
# "For additional information, see ...".
_CROSS_REFERENCE = re.compile(
    r"[\"'\u201c]?(?:(?:also\s+)?(?:see|refer\s+to)\b"
    r"|for\s+(?:additional|further|more)\s+(?:information|details?|discussion)\b"
    r"|for\s+(?:(?:a|an)\s+)?(?:discussion|description|summary|explanation|information|details?)\s+"
    r"(?:of|on|about|regarding|concerning)\b[^.;]*?,\s*(?:see|refer\s+to)\b)", re.IGNORECASE)
# "<subject> is described in Part II, Item 7A ...": a subject, then only where the report tells
# of it. A subject stating a figure ("Net sales grew 5% and the drivers are described in Note
# 3"), or a clause after the reference (", and we believe ..."), states something.
_TOLD_ELSEWHERE = re.compile(
    r"(?P<subject>[^,;:\d]+?)\s+(?:is|are)\s+(?:also\s+|further\s+|more\s+fully\s+)?"
    r"(?:described|discussed|included|presented|set\s+forth|contained|provided|summari[sz]ed)\s+"
    r"(?:in|under|within)\s+(?P<where>.+)", re.IGNORECASE | re.DOTALL)
_REFERENCE = re.compile(r"\b(?:Part|Item|Note|Notes|Annual\s+Report|Form\s+10-[KQ])\b", re.IGNORECASE)
_CLAUSE_AFTER = re.compile(r",\s+(?:and|but|which|while|where)\b|;", re.IGNORECASE)
# A row of a filing's exhibit index (Regulation S-K Item 601): the exhibit's number, as Item
# 601(b)'s table numbers them, maybe with a sub-number ("31.1", "101.INS") and marks ("32.1**",
# "10.28*"), then its description. Not a claim of the report: "31.1 Certification of Chief
# Executive Officer ...", "101.SCH Inline XBRL Taxonomy Extension Schema".
_EXHIBIT_NUMBER = re.compile(
    r"\s*(?P<number>\d{1,3})(?P<sub>\.(?:\d{1,2}|[A-Z]{3})\b)?(?P<marks>[*\u2020\u2021#]*)\s+[A-Z(]")
_ITEM_601_NUMBERS = frozenset(
    [*range(1, 6), *range(7, 11), *range(13, 27), *range(31, 37), *range(95, 108)])
_EXHIBIT_WORDS = re.compile(r"\bXBRL\b|\bExhibit\b")
# A row of the report's table of contents: a Part or Item heading, then its page ("| 35",
# "Pages 19 - 22").
_CONTENTS_LABEL = re.compile(r"\s*(?:Part\s+[IVX]+|Item\s+\d{1,2}[A-C]?)\b", re.IGNORECASE)
_PAGE_CELL = re.compile(r"(?:Pages?\s+)?\d{1,3}(?:\s*[-–]\s*\d{1,3})?", re.IGNORECASE)
_MAX_JOINED = 6  # lines one sentence may span (a hard-wrapped paragraph in a PDF)
_SHORT_LINE_SHARE = 0.6  # a line under this share of the next one's length ends before it


def ends_sentence(text: str) -> bool:
    return _ENDS_SENTENCE.search(text.rstrip()) is not None


def is_table_row(line: str) -> bool:
    """A row of a table: cells between bars ("Net sales | 2023: $81,797 | 2022: $82,959"), or a
    label followed by figures the PDF laid out without bars ("Total net sales 81,797 82,959")."""
    if "|" in line and not is_furniture_line(line):
        cells = [c for c in line.strip().strip("|").split("|") if c.strip()]
        return len(cells) >= 2
    tokens = [t for t in line.split() if t not in _CURRENCY]
    figures = sum(1 for t in tokens if _NUMBER.fullmatch(t))
    return (figures >= 2 and figures >= 0.3 * len(tokens) and tokens[0][:1].isalpha()
            and _NUMBER.fullmatch(tokens[-1]) is not None)


def is_heading(line: str) -> bool:
    """A heading, not text: a Markdown heading ("# Results"), or a line without a sentence's
    ending punctuation whose words are capitalised ("Results of Operations", "RISK FACTORS").
    A line that ends like a sentence ("Harbor Logistics moved 5,120 pallets in May.") is text,
    even when it is a document's first line and so its title."""
    text = line.strip()
    if text.startswith("#"):
        return True
    if not text or ends_sentence(text) or is_table_row(text):
        return False
    words = [w for w in _WORD.findall(text) if w.lower() not in _MINOR]
    if not words:
        return False
    capitalised = sum(1 for w in words if w[0].isupper())
    return capitalised == len(words) or text.isupper()


def is_furniture(text: str, names: Iterable[str] = ()) -> bool:
    """A page's running header or footer, or its number: a line of nothing but page furniture
    ("4", "Apple Inc. | Q3 2023 Form 10-Q | 4", "Annual Report on Form 10-K"); `names` (the
    document's company and title) count as furniture words too."""
    if is_furniture_line(text):
        return True
    own = {w.lower().strip(".") for name in names for w in _WORD.findall(name)}
    words = [w.lower().strip(".") for w in _WORD.findall(re.sub(r"\d", " ", text))]
    content = [w for w in words if w not in _FURNITURE_WORDS and w not in own and len(w) > 1]
    return not content


def is_cross_reference(sentence: str) -> bool:
    """A sentence that points to another part of the report or another filing instead of
    stating something: "See accompanying Notes ...", "Refer to Note 14 ... for information
    regarding legal proceedings.", "For additional information, see Item 8 of Part II ...",
    "For a discussion of ..., refer to ...", "... risk is described in Part II, Item 7A ..." (a
    subject, then only the place that tells of it)."""
    text = sentence.strip()
    if _CROSS_REFERENCE.match(text):
        return True
    told = _TOLD_ELSEWHERE.fullmatch(text)
    return told is not None and (_REFERENCE.match(told.group("where")) is not None
                                 and _CLAUSE_AFTER.search(told.group("where")) is None)


def is_exhibit_row(text: str) -> bool:
    """A row of the report's exhibit index: an exhibit number of Regulation S-K Item 601 and its
    description. A bare number ("104 Cover page ...") counts only with a mark or where the text
    names XBRL or an exhibit, so "101 Hudson Street is ..." stays text."""
    found = _EXHIBIT_NUMBER.match(text)
    if found is None or int(found.group("number")) not in _ITEM_601_NUMBERS:
        return False
    return bool(found.group("sub") or found.group("marks") or _EXHIBIT_WORDS.search(text))


def is_contents_row(text: str) -> bool:
    """A row of the report's table of contents: "Item 3. Quantitative and Qualitative
    Disclosures About Market Risk | 35": a Part or Item heading whose cells after it are pages."""
    if not _CONTENTS_LABEL.match(text) or "|" not in text:
        return False
    cells = [c.strip() for c in text.split("|")[1:] if c.strip()]
    return bool(cells) and _PAGE_CELL.fullmatch(cells[-1]) is not None and all(
        _PAGE_CELL.fullmatch(c) or not any(ch.isdigit() for ch in c) for c in cells)


def quotable_spans(text: str, continues: bool = False,
                   paragraph_end: str | None = None) -> list[tuple[int, int]]:
    """The whole sentences and whole table rows of `text`, as ``(start, end)`` spans.

    Consecutive units of the sentence splitter are joined while a unit does not end a sentence
    and the next goes on with it on the following line; a span that still does not start or end
    like a sentence is a fragment and left out. `continues`: the text's first line goes on from
    text before it (a passage cut from a longer sentence), so its first sentence is a fragment.
    `paragraph_end`: what follows `text` in its document, for a text without pages (a note, a
    web page), where a sentence that ends its paragraph without a full stop is whole (a PDF's
    page break can cut a sentence, so there it is not); None: a PDF page, or not known.
    """
    units = split_sentences(text)
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        start, end = units[i]
        first = text[start:end]
        j = i + 1
        while (j < len(units) and j - i < _MAX_JOINED and _goes_on(text[start:end])
               and _joins(text, end, units[j])):
            end = units[j][1]
            j += 1
        span = text[start:end]
        ends_paragraph = paragraph_end is not None and _blank_line_after(
            text[end:units[j][0]] if j < len(units) else text[end:] + paragraph_end)
        fragment = (i == 0 and continues) or not (
            _whole(span, first) or (ends_paragraph and _unpunctuated_sentence(span, first)))
        if not fragment and not is_exhibit_row(span) and not is_contents_row(span):
            out.append((start, end))
        i = j
    return out


def _blank_line_after(following: str) -> bool:
    """`following` (the text after a unit) starts with a blank line, or is blank to its end."""
    gap = following[:len(following) - len(following.lstrip())]
    return gap == following or gap.count("\n") > 1


def _unpunctuated_sentence(span: str, first_unit: str) -> bool:
    """A paragraph's last sentence written without its full stop: starts like a sentence, ends on
    a word, a figure or a bracket (not on a comma or a colon), and is no heading or row of
    figures."""
    last_line = span.rsplit("\n", 1)[-1]
    return (_STARTS_SENTENCE.match(first_unit) is not None and not is_heading(span)
            and not _ends_in_figures(last_line) and (span.rstrip()[-1:].isalnum()
                                                     or span.rstrip()[-1:] in ")%"))


def _goes_on(unit: str) -> bool:
    """A unit that leaves its sentence open at its end."""
    last_line = unit.rsplit("\n", 1)[-1]
    return not (ends_sentence(unit) or is_table_row(last_line) or is_heading(last_line)
                or unit.rstrip().endswith(":") or _ends_in_figures(last_line))


def _ends_in_figures(line: str) -> bool:
    """A line of a table the PDF laid out as text: figures at its end ("As a percent of revenue
    13% 12% 1ppt"), not prose wrapped in mid-sentence."""
    tokens = line.split()
    figures = [t for t in tokens if _FIGURE_START.match(t)]
    return len(figures) >= 2 and bool(tokens) and _FIGURE_START.match(tokens[-1]) is not None


def _joins(text: str, end: int, following: tuple[int, int]) -> bool:
    """The next unit goes on with the sentence: on the next line (not after a blank line), not a
    table row, a bullet or a heading."""
    between = text[end:following[0]]
    if between.count("\n") > 1 or (between and not between.isspace()):
        return False
    line = text[following[0]:following[1]].split("\n", 1)[0]
    return not (is_table_row(line) or _BULLET.match(line) or line.startswith("#")
                or _ends_short_before_capital(text[:end].rsplit("\n", 1)[-1], line))


def _ends_short_before_capital(line: str, next_line: str) -> bool:
    """A line that stops well short of the next one, which starts in capitals: a title or the
    end of a paragraph whose blank line the PDF's text lost, not a sentence wrapped at the
    margin (a wrapped line runs to the margin, so it is about as long as the line after it)."""
    return (next_line[:1].isupper()
            and len(line.strip()) < _SHORT_LINE_SHARE * len(next_line.strip()))


def _whole(span: str, first_unit: str) -> bool:
    if is_table_row(span):
        return True
    if _STARTS_SENTENCE.match(first_unit) is None:
        return False  # starts in lower case: the tail of a sentence cut before it
    if _BULLET.match(first_unit) and span.rstrip().endswith(";"):
        return True  # a list item: "• iPhone net sales decreased ...;"
    return ends_sentence(span)  # not a lead-in ("... as follows:"): what it leads in is missing


def continues_before(document: str, start: int) -> bool:
    """Whether the text at `start` of `document` goes on from the line before it: that line
    leaves its sentence open, on the line just before, or across a blank line (a PDF's page
    break) when it stops inside a clause (on a lower-case letter or a comma)."""
    if start <= 0 or start > len(document):
        return False
    before = document[:start].rstrip()
    if not before:
        return False
    last_line = before.rsplit("\n", 1)[-1].strip()
    if not last_line or not _goes_on(last_line):
        return False
    blank_line = document[len(before):start].count("\n") > 1
    return not blank_line or last_line[-1].islower() or last_line[-1] == ","
