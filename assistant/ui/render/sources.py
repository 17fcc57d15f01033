"""The sources panel: a card per cited passage with the quoted sentences highlighted, its
places (a passage duplicated across documents is one card), links to the original and to the
cited page; the closest passages after a refusal; earlier answers folded."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from assistant.models import Answer, Citation, Passage, page_label
from assistant.serve.page_view_html import view_link
from assistant.ui.render.labels import original_link, plain_html


def highlight(text: str, quote_text: str, before: int = 240, after: int = 480) -> str:
    """`text` as HTML with `quote_text` wrapped in <mark>; a long passage is trimmed to about
    `before` characters ahead of the quote (so the quote shows near the top of the card) and
    `after` behind it. Matching tolerates differing whitespace."""
    return highlight_all(text, [quote_text], before, after)


def highlight_all(text: str, quotes: Sequence[str], before: int = 240, after: int = 480) -> str:
    """`highlight` with every quote of `quotes` marked (a card several citations share), the
    passage trimmed around the first to the last."""
    spans = sorted(span for span in (_find(text, q) for q in quotes) if span[0] >= 0)
    if not spans:
        return html.escape(_trim(text, before + after))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    first, last = merged[0][0], merged[-1][1]
    lo = max(0, first - before)
    hi = min(len(text), last + after)
    if lo > 0:
        line_start = text.find("\n", lo, first)
        lo = line_start + 1 if line_start >= 0 else _word_boundary(text, lo, forward=True)
    if hi < len(text):
        hi = _word_boundary(text, hi, forward=False)
    out = ["… " if lo > 0 and text[lo - 1] != "\n" else ""]
    at = lo
    for start, end in merged:
        out += [html.escape(text[at:start]), '<mark class="quote">',
                html.escape(" ".join(text[start:end].split())), "</mark>"]
        at = end
    out += [html.escape(text[at:hi]), " …" if hi < len(text) else ""]
    return "".join(out)


def _find(text: str, needle: str) -> tuple[int, int]:
    needle = needle.strip()
    if not needle:
        return -1, -1
    at = text.find(needle)
    if at >= 0:
        return at, at + len(needle)
    pattern = r"\s+".join(re.escape(w) for w in needle.split())
    match = re.search(pattern, text)
    return (match.start(), match.end()) if match else (-1, -1)


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def _word_boundary(text: str, at: int, *, forward: bool) -> int:
    step = 1 if forward else -1
    i = at
    for _ in range(40):
        if 0 < i < len(text) and text[i - 1].isspace():
            return i
        i += step
    return at


def card_meta(passage: Passage | None, citation: Citation) -> list[str]:
    """The card's facts in reading order: company, form, period, section or page, date."""
    facts: list[str] = []
    if passage is not None:
        facts += [x for x in (passage.company or passage.ticker, passage.form) if x]
        if passage.period:
            facts.append(f"period {passage.period}")
    if citation.section:
        facts.append(citation.section)
    if citation.page is not None:
        facts.append(page_label(citation.page, citation.printed_page))
    if citation.date:
        facts.append(citation.date)
    return facts


def source_card(citation: Citation, passage: Passage | None, turn: int) -> str:
    return shared_card([citation], {citation.chunk_id: passage} if passage else {}, turn)


def shared_card(citations: Sequence[Citation], by_chunk: Mapping[str, Passage], turn: int,
                also: Sequence[Passage] = ()) -> str:
    """One card for citations of one passage text: the same passage cited twice, or the same
    text in duplicate documents. Its numbers side by side, each quote marked, each place listed
    (the first in the head), with the places of `also` (retrieved passages of the same text no
    sentence cites); every [n] of the group lands on it (an anchor per number)."""
    first = citations[0]
    passage = by_chunk.get(first.chunk_id)
    numbers = "".join(f'<span class="src-n">{c.n}</span>' for c in citations)
    anchors = "".join(f'<span class="src-anchor" id="src-{turn}-{c.n}" data-n="{c.n}"></span>'
                      for c in citations[1:])
    places = _distinct([_place(c, by_chunk.get(c.chunk_id)) for c in citations]
                       + [_place(_cited_at(p, first.quote), p) for p in also])
    title, meta, view = places[0]
    quotes = list(dict.fromkeys(c.quote for c in citations))
    body = highlight_all(passage.text, quotes) if passage else "".join(
        f'<mark class="quote">{html.escape(q)}</mark> ' for q in quotes).strip()
    return (
        f'<div class="src-card{" shared" if len(places) > 1 else ""}" id="src-{turn}-{first.n}"'
        f' data-n="{first.n}">{anchors}<div class="src-head">{numbers}{title}</div>'
        + (f'<div class="src-meta">{meta}</div>' if meta else "")
        + f'<div class="src-passage">{body}</div>{view}{_also_in(places[1:])}</div>'
    )


def _place(citation: Citation, passage: Passage | None) -> tuple[str, str, str]:
    """Where a citation's passage is, as HTML: the title linking to the original, the facts
    line, and the link viewing the cited place."""
    link = original_link(citation.source, citation.url, citation.page)
    title = html.escape(citation.title or Path(citation.source).name)
    meta = " · ".join(html.escape(f) for f in card_meta(passage, citation))
    return (f'<a class="src-title" href="{html.escape(link)}" target="_blank" '
            f'rel="noopener noreferrer" title="Open the original">{title} '
            f'<span class="open">↗</span></a>', meta, view_page_link(citation))


def _cited_at(passage: Passage, quote: str) -> Citation:
    """A passage's place as a citation of `quote` (for the places of identical passages)."""
    return Citation(n=0, chunk_id=passage.chunk_id, doc_id=passage.doc_id, title=passage.title,
                    source=passage.source, url=passage.url, page=passage.page,
                    printed_page=passage.printed_page, section=passage.section,
                    date=passage.published or passage.filed, quote=quote)


def _distinct(places: Sequence[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Places once each: one title and facts line, whichever quote its view link marks."""
    seen: dict[tuple[str, str], tuple[str, str, str]] = {}
    for title, meta, view in places:
        seen.setdefault((title, meta), (title, meta, view))
    return list(seen.values())


def _also_in(places: Sequence[tuple[str, str, str]]) -> str:
    """The other places of a card's passage, a line each: title, facts, view link."""
    return "".join(f'<div class="src-also">Also in: {title}'
                   + (f' · <span class="src-meta-inline">{meta}</span>' if meta else "")
                   + f" {view}</div>" for title, meta, view in places)


def view_page_link(citation: Citation) -> str:
    """The card's link to the cited page with the quote boxed (PDF), or to the stored text with
    the quote marked (any other source); served beside the chat (assistant/serve/page_route)."""
    is_pdf = citation.page is not None and citation.source.lower().endswith(".pdf")
    href = view_link(citation.chunk_id, citation.quote, citation.page if is_pdf else None)
    label = "View page" if is_pdf else "View in text"
    return (f'<a class="view-page" href="{html.escape(href)}" target="_blank" rel="noopener" '
            f'title="Open the cited place with the quote highlighted">{label}</a>')


def passage_card(passage: Passage, *also: Passage) -> str:
    """A retrieved passage that no sentence cites (shown after a cannot-answer reply); `also`:
    passages of the same text elsewhere (duplicate documents), listed as its other places."""
    places = _distinct([(*_place(_cited_at(p, ""), p)[:2], "") for p in (passage, *also)])
    head, facts, _ = places[0]
    return (
        f'<div class="src-card uncited{" shared" if len(places) > 1 else ""}">'
        f'<div class="src-head">{head}</div>'
        + (f'<div class="src-meta">{facts}</div>' if facts else "")
        + f'<div class="src-passage">{html.escape(_trim(passage.text, 400))}</div>'
        + _also_in(places[1:]) + "</div>"
    )


def same_text(text: str) -> str:
    """The key under which identical passages merge: the text with its whitespace collapsed."""
    return " ".join(text.split())


EMPTY_SOURCES = (
    '<div class="sources-empty"><p><strong>Sources</strong> appear here.</p>'
    "<p>Every sentence of an answer is quoted from a passage and carries its number: click "
    "<span class=\"cite-sample\">[1]</span> to jump to the passage, with the quoted sentence "
    "highlighted, and the title to open the original.</p></div>"
)


def sources_html(turns: Sequence[tuple[int, Answer]], failed: tuple[str, str] | None = None) -> str:
    """The sources panel: the latest answer's cards open, earlier answers folded below.
    `failed`: a question that got no answer, and why: shown on top without cards, every answer
    folded below it, so no earlier answer's sources pass for its own."""
    if not turns and failed is None:
        return EMPTY_SOURCES
    parts = []
    if failed is not None:
        question, why = failed
        parts.append(f'<div class="src-turn latest failed"><div class="src-question">'
                     f'{html.escape(question)}</div><p class="src-none">No sources: '
                     f"{plain_html(why)}</p></div>")
    for index, (turn, answer) in enumerate(reversed(turns)):
        body = _turn_cards(turn, answer)
        label = html.escape(answer.question)
        if index == 0 and failed is None:
            parts.append(f'<div class="src-turn latest" data-turn="{turn}">'
                         f'<div class="src-question">{label}</div>{body}</div>')
        else:
            parts.append(f'<details class="src-turn earlier" data-turn="{turn}">'
                         f"<summary>{label}</summary>{body}</details>")
    return '<div class="sources">' + "".join(parts) + "</div>"


def _turn_cards(turn: int, answer: Answer) -> str:
    by_chunk = {p.chunk_id: p for p in answer.passages}
    alike: dict[str, list[Passage]] = {}
    for p in answer.passages:
        alike.setdefault(same_text(p.text), []).append(p)
    if answer.citations:
        groups: dict[str, list[Citation]] = {}
        for c in answer.citations:
            passage = by_chunk.get(c.chunk_id)
            groups.setdefault(same_text(passage.text) if passage else c.chunk_id, []).append(c)
        cited = {c.chunk_id for c in answer.citations}
        return "".join(shared_card(group, by_chunk, turn, [
            p for p in alike.get(key, []) if p.chunk_id not in cited]) for key, group in groups.items())
    if not answer.passages:
        return '<p class="src-none">No passage matched the question (and its filters).</p>'
    closest = "".join(passage_card(*group) for group in list(alike.values())[:3])
    return ('<p class="src-none">Nothing cited: the closest passages retrieved do not answer '
            f"the question.</p>{closest}")
