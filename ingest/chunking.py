"""Sentence-aware chunking of a Document, sized in the embedding model's tokens.

A chunk is a run of whole sentences from ONE block (so it has one page and one section), whose
text is exactly ``doc.text[start:end]``. Sizes come from the caller's ``count_tokens``, the real
tokenizer of the embedding model, called in batches: once for all sentences of the document, once
for the words of any over-long sentence, and once (plus rare repair rounds) to verify the final
chunk texts. Every chunk is at most ``max_tokens`` by that verification, so the embedder never
truncates anything away.

``count_tokens`` must return counts WITHOUT special tokens and WITHOUT truncation or padding
(for a ``tokenizers.Tokenizer``: call ``no_truncation()``/``no_padding()`` and encode with
``add_special_tokens=False``).
"""

from __future__ import annotations

import re

from ingest.chunk_pieces import Piece, TokenCounter, count_in_batches
from ingest.documents import Chunk, Document, chunk_id
from ingest.sentences import split_sentences
from ingest.statements import label_statements
from ingest.table_chunks import table_pieces

__all__ = ["TokenCounter", "chunk_document", "split_sentences"]

_WORD_RE = re.compile(r"\S+")


def _split_long(
    text: str,
    long_spans: list[tuple[int, int]],
    count_tokens: TokenCounter,
    max_tokens: int,
) -> list[list[tuple[tuple[int, int], int]]]:
    """Split each over-long sentence on word boundaries into (span, tokens) pieces that fit.

    Word counts come from one batched call; a word longer than max_tokens on its own (a URL, a
    blob) is cut into character runs sized by its chars-per-token ratio.
    """
    words_per = [[m.span() for m in _WORD_RE.finditer(text, s, e)] for s, e in long_spans]
    flat = [text[a:b] for spans in words_per for a, b in spans]
    counts = iter(count_in_batches(count_tokens, flat))
    result: list[list[tuple[tuple[int, int], int]]] = []
    for spans in words_per:
        pieces: list[tuple[tuple[int, int], int]] = []
        cur_s = cur_e = -1
        cur_t = 0
        for a, b in spans:
            t = next(counts)
            if t > max_tokens:  # one word that does not fit: cut it into character runs
                if cur_s >= 0:
                    pieces.append(((cur_s, cur_e), cur_t))
                    cur_s = -1
                    cur_t = 0
                step = max(1, (b - a) * max_tokens * 9 // (t * 10))  # 10% headroom
                for c in range(a, b, step):
                    ce = min(b, c + step)
                    pieces.append(((c, ce), min(max_tokens, -(-t * (ce - c) // (b - a)))))
                continue
            if cur_s >= 0 and cur_t + t > max_tokens:
                pieces.append(((cur_s, cur_e), cur_t))
                cur_s = -1
                cur_t = 0
            if cur_s < 0:
                cur_s = a
            cur_e = b
            cur_t += t
        if cur_s >= 0:
            pieces.append(((cur_s, cur_e), cur_t))
        result.append(pieces)
    return result


def _pack(
    units: list[tuple[int, int]],
    tokens: list[int],
    max_tokens: int,
    overlap_tokens: int,
    page: int | None,
    section: str | None,
) -> list[Piece]:
    """Greedy packing of one block's units, each chunk opening with the previous one's tail."""
    out: list[Piece] = []
    cur: list[int] = []  # unit indices
    cur_t = 0
    for i, t in enumerate(tokens):
        if cur and cur_t + t > max_tokens:
            out.append(Piece([units[j] for j in cur], page, section))
            # Overlap: trailing units whose tokens sum <= overlap_tokens, never the whole chunk,
            # and leaving room for the unit that did not fit.
            keep: list[int] = []
            kept_t = 0
            for j in reversed(cur[1:]):
                if kept_t + tokens[j] > overlap_tokens or kept_t + tokens[j] + t > max_tokens:
                    break
                keep.append(j)
                kept_t += tokens[j]
            keep.reverse()
            cur, cur_t = keep, kept_t
        cur.append(i)
        cur_t += t
    if cur:
        out.append(Piece([units[j] for j in cur], page, section))
    return out


def _halve(text: str, p: Piece) -> list[Piece] | None:
    """Split a chunk that counted over the limit: at the unit boundary nearest its middle, else
    at the whitespace nearest its middle, else at the middle character. None if it is one char.
    """
    mid = (p.start + p.end) // 2
    after = p.cont or p.prefix
    if len(p.units) > 1:
        k = min(range(1, len(p.units)), key=lambda k: abs(p.units[k][0] - mid))
        return [Piece(p.units[:k], p.page, p.section, p.prefix, p.cont),
                Piece(p.units[k:], p.page, p.section, after, p.cont)]
    s, e = p.units[0]
    best: tuple[int, int] | None = None
    for m in re.finditer(r"\s+", text[s:e]):
        a, b = m.start() + s, m.end() + s
        if best is None or abs(a - mid) < abs(best[0] - mid):
            best = (a, b)
        elif a > mid:
            break
    if best is not None:
        left, right = (s, best[0]), (best[1], e)
    elif e - s > 1:
        left, right = (s, mid), (mid, e)
    else:
        return None
    return [Piece([left], p.page, p.section, p.prefix, p.cont),
            Piece([right], p.page, p.section, after, p.cont)]


def _enforce_limit(
    text: str, pieces: list[Piece], count_tokens: TokenCounter, max_tokens: int
) -> list[Piece]:
    """Count the final chunk texts in batches; split any over the limit until all fit."""
    done = [False] * len(pieces)
    while not all(done):
        todo = [i for i, d in enumerate(done) if not d]
        counts = count_in_batches(
            count_tokens, [pieces[i].prefix + text[pieces[i].start : pieces[i].end] for i in todo]
        )
        over = {i for i, c in zip(todo, counts, strict=True) if c > max_tokens}
        if not over:
            break
        new_pieces: list[Piece] = []
        new_done: list[bool] = []
        for i, p in enumerate(pieces):
            halves = _halve(text, p) if i in over else None
            if halves is None:
                new_pieces.append(p)
                new_done.append(True)  # fits, or a single character that cannot be split
            else:
                new_pieces.extend(halves)
                new_done.extend((False, False))
        pieces, done = new_pieces, new_done
    return pieces


def chunk_document(
    doc: Document,
    count_tokens: TokenCounter,
    max_tokens: int = 200,
    overlap_tokens: int = 24,
) -> list[Chunk]:
    """Chunk `doc` into runs of whole sentences of at most `max_tokens` tokens, block by block.

    `count_tokens` maps texts to content-token counts (no special tokens, no truncation); it is
    called in a few batches per document. Consecutive chunks of one block overlap by the trailing
    sentences of the previous chunk that sum to at most `overlap_tokens` (0 disables). A sentence
    longer than `max_tokens` is split on word boundaries. ``Chunk.text == doc.text[start:end]``.

    A table block (``kind == "table"``) is one chunk when it fits; otherwise it is split between
    rows, and every piece after the first starts with the table's head (caption, units, header
    rows: ``doc.text[start:head_end]``) and a newline, then ``doc.text[start:end]``. A row too
    long for one chunk is split between cells, its label repeated. Table pieces do not overlap.

    Each chunk is labelled with the statement or section it sits in (ingest/statements.py).
    """
    if max_tokens < 1:
        raise ValueError("max_tokens must be >= 1")
    if overlap_tokens < 0:
        raise ValueError("overlap_tokens must be >= 0")
    text = doc.text
    tables = table_pieces(text, [b for b in doc.blocks if b.kind == "table"], count_tokens,
                          max_tokens)
    block_sents = _block_sentences(doc)
    if not block_sents and not tables:
        return []
    pieces = _sentence_pieces(text, block_sents, count_tokens, max_tokens, overlap_tokens)
    # Verify with the tokenizer (joins are not always additive) and repair.
    if tables:
        pieces = sorted(pieces + tables, key=lambda p: p.start)  # stable: overlaps keep order
    pieces = _enforce_limit(text, pieces, count_tokens, max_tokens)
    return label_statements(doc, _chunks(doc, pieces))


_BlockSentences = tuple[int | None, str | None, list[tuple[int, int]]]  # page, section, sentences


def _block_sentences(doc: Document) -> list[_BlockSentences]:
    """Sentences of every text block, in document order (tables go their own way)."""
    text = doc.text
    n = len(text)
    block_sents: list[_BlockSentences] = []
    for b in doc.blocks:
        bs, be = max(0, min(b.start, n)), max(0, min(b.end, n))
        if be <= bs or b.kind == "table":
            continue
        sents = [(s + bs, e + bs) for s, e in split_sentences(text[bs:be])]
        if sents:
            block_sents.append((b.page, b.section, sents))
    return block_sents


def _sentence_pieces(
    text: str,
    block_sents: list[_BlockSentences],
    count_tokens: TokenCounter,
    max_tokens: int,
    overlap_tokens: int,
) -> list[Piece]:
    """All sentences counted in one batched pass, the over-long ones split on words; then each
    block's units packed greedily with overlap."""
    all_sents = [sp for _, _, sents in block_sents for sp in sents]
    all_counts = count_in_batches(count_tokens, [text[s:e] for s, e in all_sents])
    long_spans = [sp for sp, c in zip(all_sents, all_counts, strict=True) if c > max_tokens]
    long_pieces = iter(_split_long(text, long_spans, count_tokens, max_tokens))
    pieces: list[Piece] = []
    counts_it = iter(all_counts)
    for page, section, sents in block_sents:
        units: list[tuple[int, int]] = []
        tokens: list[int] = []
        for sp in sents:
            c = next(counts_it)
            if c > max_tokens:
                for psp, pt in next(long_pieces):
                    units.append(psp)
                    tokens.append(pt)
            else:
                units.append(sp)
                tokens.append(c)
        pieces.extend(_pack(units, tokens, max_tokens, overlap_tokens, page, section))
    return pieces


def _chunks(doc: Document, pieces: list[Piece]) -> list[Chunk]:
    """Chunks with content ids; `occurrence` separates identical texts in this document."""
    text = doc.text
    seen: dict[str, int] = {}
    chunks: list[Chunk] = []
    doc_id = doc.doc_id
    printed = {b.page: b.printed_page for b in doc.blocks if b.printed_page}
    for p in pieces:
        s, e = p.start, p.end
        t = p.prefix + text[s:e]
        occ = seen.get(t, 0)
        seen[t] = occ + 1
        chunks.append(
            Chunk(
                chunk_id=chunk_id(doc_id, t, occ),
                doc_id=doc_id,
                text=t,
                start=s,
                end=e,
                page=p.page,
                section=p.section,
                printed_page=printed.get(p.page),
            )
        )
    return chunks
