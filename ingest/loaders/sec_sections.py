"""A filing's Part and Item sections: headings found among its paragraphs (tables of contents
dropped, Parts assigned by the form's layout), the text cut into one block per section, and the
tables kept as blocks of their own."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.documents import Block, TableFigure

from ._decoding import squash
from ._htmltext import Para

_HEADING = re.compile(
    r"^(PART\s+[IVX]+|ITEM\s+\d+[A-Z]?(?:\.\d+)?)(?=$|[.:(\s\u2013\u2014-])", re.I
)
_TOC_ROW = re.compile(r"\|\s*(?:[^|:]{1,30}:\s*)?(?:[A-Z]-)?(?:\d{1,3}|[ivxlc]{1,6})$", re.I)
_MAX_HEADING_LINE = 200
_MAX_LABEL = 100  # longer lines are prose that happens to start with "Item 7"
_DENSE_GAP = 80  # headings this close together, and repeated later, are a table of contents


@dataclass
class _Heading:
    offset: int  # in the joined text
    label: str
    key: str  # 'PART II' or 'ITEM 1A', upper-case
    part: str | None = None
    toc: bool = False  # a table row ending in a page number
    para: int = -1  # index of its paragraph


def sectioned(paras: Sequence[Para], form: str | None = None) -> tuple[str, list[Block]]:
    text = "\n\n".join(p.text for p in paras)
    heads = _fold_parts(_assign_parts(_drop_toc(_candidates(paras)), form))
    labels = _labels(heads, form)
    blocks = blocks_at(text, [(h.offset, label) for h, label in zip(heads, labels, strict=True)])
    return text, split_tables(blocks, _table_spans(paras))


_ROMAN = ("I", "II", "III", "IV")


def _assign_parts(heads: list[_Heading], form: str | None) -> list[_Heading]:
    """Each Item's Part: the last PART heading kept above it (table-of-contents entries are gone
    by now). In a 10-Q an Item number that drops (Item 4 -> Item 1) without a PART heading
    between starts the next Part; a 10-Q's first Items are in Part I."""
    quarterly = (form or "").upper().startswith("10-Q")
    part: str | None = "PART I" if quarterly else None
    last_number = 0.0
    for h in heads:
        if h.key.startswith("PART"):
            part, last_number = h.key, 0.0
            continue
        number = _item_number(h.key)
        if quarterly and part in _PARTS_ORDER[:-1] and number < last_number:
            part = _PARTS_ORDER[_PARTS_ORDER.index(part) + 1]
        h.part, last_number = part, number
    return heads


_PARTS_ORDER = tuple(f"PART {r}" for r in _ROMAN)


def _item_number(key: str) -> float:
    found = re.search(r"(\d+)([A-Z]?)", key)
    return int(found.group(1)) + (0.5 if found.group(2) else 0.0) if found else 0.0


def _labels(heads: Sequence[_Heading], form: str | None) -> list[str]:
    """Item labels carry their Part where Item numbers recur across Parts (10-Q Part I Item 2
    vs Part II Item 2), and always in a 10-Q."""
    parts_of: dict[str, set[str | None]] = {}
    for h in heads:
        parts_of.setdefault(h.key, set()).add(h.part)
    with_part = (form or "").upper().startswith("10-Q") or any(len(p) > 1 for p in parts_of.values())
    out: list[str] = []
    for h in heads:
        if with_part and h.key.startswith("ITEM") and h.part:
            out.append(f"Part {h.part.split()[-1]}, {h.label}")
        else:
            out.append(h.label)
    return out


TableSpan = tuple[int, int, int, list[TableFigure]]  # start, end, head_end, figures


def _table_spans(paras: Sequence[Para]) -> list[TableSpan]:
    """(start, end, head_end, figures) in the joined text of each table that has figures."""
    spans: list[TableSpan] = []
    offset = 0
    for para in paras:
        if para.data_table:
            figures = [f.model_copy(update={"start": f.start + offset}) for f in para.figures]
            spans.append((offset, offset + len(para.text), offset + para.head_len, figures))
        offset += len(para.text) + 2
    return spans


def split_tables(blocks: Sequence[Block], tables: Sequence[TableSpan]) -> list[Block]:
    """Each table lying inside one block becomes a block of its own (kind 'table'); the text
    around it stays in blocks of the same section. Blocks stay contiguous."""
    out: list[Block] = []
    i = 0
    for block in blocks:
        cur = block.start
        while i < len(tables) and tables[i][0] < block.end:
            start, end, head_end, figures = tables[i]
            i += 1
            if start < cur or end > block.end:
                continue  # a heading inside the table: keep it as text
            if start > cur:
                out.append(Block(start=cur, end=start, page=block.page, section=block.section))
            cur = min(end + 2, block.end)
            out.append(Block(start=start, end=cur, page=block.page, section=block.section,
                             kind="table", head_end=head_end if head_end > start else None,
                             figures=figures))
        if cur < block.end:
            out.append(Block(start=cur, end=block.end, page=block.page, section=block.section))
    return out


def _candidates(paras: Sequence[Para]) -> list[_Heading]:
    found: list[_Heading] = []
    offset = 0
    part: str | None = None
    for index, para in enumerate(paras):
        line_start = offset
        for line in para.text.split("\n"):
            match = _HEADING.match(line)
            if match and len(line) <= _MAX_HEADING_LINE:
                key = squash(match.group(1)).upper()
                if key.startswith("PART"):
                    part = key
                label = _label(line, match.end())
                toc = para.in_table and bool(_TOC_ROW.search(line))
                found.append(_Heading(line_start, label, key, part, toc, index))
            line_start += len(line) + 1
        offset += len(para.text) + 2
    return found


def _label(line: str, key_end: int) -> str:
    """'ITEM 1.BUSINESS' -> 'ITEM 1. BUSINESS'; table cells joined by spaces; long titles cut
    at a word, with an ellipsis."""
    rest = re.sub(r"^([.:])(?=[^\W\d_])", r"\1 ", line[key_end:])
    label = squash((line[:key_end] + rest).replace(" | ", " "))
    if len(label) > _MAX_LABEL:
        label = label[:_MAX_LABEL].rsplit(" ", 1)[0].rstrip(" ,;:-") + "…"
    return label


def _drop_toc(heads: list[_Heading]) -> list[_Heading]:
    """Drop table-of-contents entries: table rows ending in a page number, and in runs of >= 3
    headings packed closer than _DENSE_GAP, the headings that recur later in the document, or
    the rest of a contents table's rows when most of the run does ("Part II" listed in the
    contents but absent from the body)."""
    keep = [not h.toc for h in heads]
    i = 0
    while i < len(heads):
        j = i
        while j + 1 < len(heads) and heads[j + 1].offset - heads[j].offset < _DENSE_GAP + len(
            heads[j].label
        ):
            j += 1
        if j - i >= 2:
            listed = [heads[k].toc or any(_same(heads[k], h) for h in heads[j + 1 :])
                      for k in range(i, j + 1)]
            # mostly a contents list: every row of a table holding contents entries goes
            toc_paras = {heads[k].para for k in range(i, j + 1) if heads[k].toc}
            whole = 2 * sum(listed) >= len(listed)
            for k, recurs in zip(range(i, j + 1), listed, strict=True):
                keep[k] = keep[k] and not (recurs or (whole and heads[k].para in toc_paras))
        i = j + 1
    return [h for h, ok in zip(heads, keep, strict=True) if ok]


def _same(a: _Heading, b: _Heading) -> bool:
    return a.key == b.key and (a.part is None or a.part == b.part)


def _fold_parts(heads: list[_Heading]) -> list[_Heading]:
    """A PART heading directly followed by an Item heading joins that Item's block."""
    out: list[_Heading] = []
    for i, head in enumerate(heads):
        nxt = heads[i + 1] if i + 1 < len(heads) else None
        if (
            head.key.startswith("PART")
            and nxt is not None
            and nxt.key.startswith("ITEM")
            and nxt.offset - head.offset < _DENSE_GAP + len(head.label)
        ):
            nxt.offset = head.offset
            continue
        out.append(head)
    return out


def blocks_at(text: str, starts: Sequence[tuple[int, str | None]]) -> list[Block]:
    """Blocks that start at each (offset, section); text before the first has no section."""
    blocks = [Block(start=0, end=len(text))]
    for offset, section in starts:
        if offset <= blocks[-1].start:
            blocks[-1].section = section
            continue
        blocks[-1].end = offset
        blocks.append(Block(start=offset, end=len(text), section=section))
    return blocks
