"""Table blocks as chunks: a table whole where it fits; else split between rows, each piece after
the first opening with the table's head (caption, units, header rows), and a row too long for
one chunk split between cells, its label repeated."""

from __future__ import annotations

from collections.abc import Sequence

from ingest.chunk_pieces import Piece, TokenCounter, count_in_batches
from ingest.documents import Block
from ingest.sentences import line_spans, strip_span

_CELL_SEP = " | "


def table_pieces(
    text: str, blocks: Sequence[Block], count_tokens: TokenCounter, max_tokens: int
) -> list[Piece]:
    """Whole tables where they fit; else runs of rows, each after the first with the head as
    prefix (when the head takes at most half a chunk). Counting is batched over all tables."""
    spans = [strip_span(text, b.start, b.end) for b in blocks]
    whole = count_in_batches(count_tokens, [text[s:e] for s, e in spans])
    out: list[Piece] = []
    split: list[tuple[Block, tuple[int, int], list[tuple[int, int]]]] = []
    for b, span, tokens in zip(blocks, spans, whole, strict=True):
        if span[1] <= span[0]:
            continue
        rows_from = b.head_end if b.head_end and span[0] < b.head_end < span[1] else span[0]
        rows = line_spans(text, rows_from, span[1])
        if tokens <= max_tokens or not rows:
            out.append(Piece([span], b.page, b.section))
        else:
            split.append((b, (span[0], rows_from), rows))
    if not split:
        return out
    heads = [text[h[0] : h[1]].strip() for _, h, _ in split]
    row_texts = [text[s:e] for _, _, rows in split for s, e in rows]
    counts = iter(count_in_batches(count_tokens, heads + row_texts))
    head_tokens = [next(counts) for _ in heads]
    for (b, (head_start, _), rows), head, h_tokens in zip(split, heads, head_tokens, strict=True):
        row_counts = [next(counts) for _ in rows]
        out.extend(_rows_packed(text, b, head_start, head, h_tokens, rows, row_counts, count_tokens,
                                max_tokens))
    return out


def _rows_packed(
    text: str,
    b: Block,
    head_start: int,
    head: str,
    head_tokens: int,
    rows: list[tuple[int, int]],
    row_counts: list[int],
    count_tokens: TokenCounter,
    max_tokens: int,
) -> list[Piece]:
    """One split table: the first piece spans the head and its rows; later ones get the head as
    prefix. A head over half a chunk is not repeated (its rows still name their columns)."""
    prefix = head + "\n" if head and head_tokens <= max_tokens // 2 else ""
    budget = max_tokens - (head_tokens + 1 if prefix else 0)
    out: list[Piece] = []
    units: list[tuple[int, int]] = []
    used = 0
    if head and not prefix:  # the head on its own, so it is not lost
        out.append(Piece([(head_start, head_start + len(head))], b.page, b.section))
    for (s, e), t in zip(rows, row_counts, strict=True):
        if units and (t > budget or used + t + 1 > budget):
            out.append(_rows_piece(units, out, head_start, prefix, b))
            units, used = [], 0
        if t > budget:  # one row too long: its cells, the label repeated in each piece
            if not out and prefix:
                out.append(Piece([(head_start, head_start + len(head))], b.page, b.section))
            out.extend(_row_pieces(text, s, e, prefix, b, count_tokens, max_tokens))
            continue
        units.append((s, e))
        used += t + 1
    if units:
        out.append(_rows_piece(units, out, head_start, prefix, b))
    return out


def _rows_piece(
    units: list[tuple[int, int]], before: list[Piece], head_start: int, prefix: str, b: Block
) -> Piece:
    if not before and prefix:  # the first piece: the head is in its span, not a prefix
        return Piece([(head_start, units[0][1]), *units[1:]], b.page, b.section, "", prefix)
    return Piece(units, b.page, b.section, prefix, prefix)


def _row_pieces(
    text: str, s: int, e: int, prefix: str, b: Block, count_tokens: TokenCounter, max_tokens: int
) -> list[Piece]:
    row = text[s:e]
    cells: list[tuple[int, int]] = []
    pos = 0
    for part in row.split(_CELL_SEP):
        cells.append((s + pos, s + pos + len(part)))
        pos += len(part) + len(_CELL_SEP)
    label = text[cells[0][0] : cells[0][1]] + _CELL_SEP if len(cells) > 1 else ""
    lead = prefix + label
    counts = count_in_batches(count_tokens, [lead] + [text[a:z] for a, z in cells[1:]] if label else [])
    budget = max_tokens - (counts[0] if label else 0)
    if not label or budget < max_tokens // 4:  # no cells to split on: words, via the verifier
        return [Piece([(s, e)], b.page, b.section, prefix, prefix)]
    out: list[Piece] = []
    group: list[tuple[int, int]] = [cells[0]]
    used = 0
    for cell, t in zip(cells[1:], counts[1:], strict=True):
        if used and used + t + 2 > budget:
            out.append(Piece([(group[0][0], group[-1][1])], b.page, b.section,
                              prefix if group[0] == cells[0] else lead, lead))
            group, used = [], 0
        group.append(cell)
        used += t + 2
    if group:
        out.append(Piece([(group[0][0], group[-1][1])], b.page, b.section,
                          prefix if group[0] == cells[0] else lead, lead))
    return out
