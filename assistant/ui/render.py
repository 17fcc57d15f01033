"""HTML and Markdown for the chat: answers with linked citations, source cards with the quoted
sentence highlighted, the library table, example questions. Pure functions of the models, so
they are tested without a browser. Every text from a document is escaped before it is shown."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from assistant.answer.verify import SCALE_NOT_STATED
from assistant.models import Answer, Citation, Computation, Passage, page_label
from assistant.rendering import NOT_IN_SOURCES, display_quote
from assistant.serve.page_view_html import view_link
from ingest.company_names import short_name
from ingest.locations import is_url
from ingest.registry import DocRecord

FILE_ROUTE = "gradio_api/file="


# ----------------------------------------------------------------------------------------------
# links and labels


def original_link(source: str, url: str | None = None, page: int | None = None) -> str:
    """Where a reader opens the original: the URL for web sources; for ingested files the app's
    file route (the app allows exactly the ingested files), at the cited page for PDFs."""
    if url and is_url(url):
        return url
    if is_url(source):
        return source
    link = FILE_ROUTE + quote(source, safe="/")
    if page is not None and source.lower().endswith(".pdf"):
        link += f"#page={page}"
    return link


def short_company(company: str | None) -> str:
    """'BUCKLE, INC' -> 'Buckle'; 'Nordstrom, Inc.' -> 'Nordstrom'; for example questions."""
    if not company:
        return ""
    name = short_name(company)
    if name.isupper():
        name = " ".join(w.capitalize() if len(w) > 3 else w for w in name.split())
    return name


def display_date(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        when = datetime.fromisoformat(iso)
        return (when.astimezone() if when.tzinfo else when).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


# ----------------------------------------------------------------------------------------------
# the answer in the chat


def cite_link(turn: int, n: int) -> str:
    return (f'<a class="cite" href="#src-{turn}-{n}" data-turn="{turn}" data-n="{n}" '
            f'title="Show source {n}">[{n}]</a>')


def plain_html(text: str) -> str:
    """Text for a chat message: whitespace collapsed (PDF line breaks), HTML escaped."""
    return html.escape(" ".join(text.split()), quote=False)


def message_html(body: str, kind: str) -> str:
    """A chat message as one HTML block: Markdown leaves an HTML block alone, so nothing in a
    quoted passage (asterisks, URLs, dollar signs) is reinterpreted."""
    return f'<div class="msg {kind}">{body}</div>'


def answer_units(answer: Answer, turn: int) -> list[str]:
    """The answer as the chat streams it, one sentence at a time: a quoted sentence with its [n]
    link (extractive), or a written sentence with its checked [n] links and the verifier's marks
    (LLM)."""
    if (answer.mode == "llm" or answer.computation) and answer.claims:
        return [_linked_claim(plain_html(c.text), turn) for c in answer.claims]
    return [f"{plain_html(display_quote(c.quote))} {cite_link(turn, c.n)}" for c in answer.citations]


_CITE_MARK = re.compile(r"\[(\d+)\]")
# The verifier's marks (assistant/answer/verify.py), each with what it means on hover.
_VERIFIER_MARKS = {
    "unsupported": "unsupported: no cited passage holds this",
    "uncited": "uncited: no cited passage holds this",
    SCALE_NOT_STATED: "the cited passage states this figure without its scale (thousands, "
                      "millions, ...): check the source",
}
_VERIFIER_MARK = re.compile(r"\[(" + "|".join(map(re.escape, _VERIFIER_MARKS)) + r")\]")


def _linked_claim(text: str, turn: int) -> str:
    text = _CITE_MARK.sub(lambda m: cite_link(turn, int(m.group(1))), text)
    return _VERIFIER_MARK.sub(
        lambda m: f'<span class="verifier-mark" title="{_VERIFIER_MARKS[m.group(1)]}">'
                  f'[{m.group(1)}]</span>', text)


def answer_markdown(answer: Answer, turn: int, *, upto: int | None = None,
                    rewritten: str | None = None, filters: str | None = None) -> str:
    """The assistant message for an answer; `upto` sentences while streaming; `rewritten`: the
    question as searched, when the chat rewrote a follow-up; `filters`: what the chat's filters
    restricted the search to (`ChatFilters.summary`), named above the answer or in the refusal."""
    note = ""
    if rewritten:
        note = f'<div class="followup-note">Follow-up, searched as: {plain_html(rewritten)}</div>'
    if answer.scope:
        note += f'<div class="followup-note scope-note">Searched: {plain_html(answer.scope)}</div>'
    if answer.notice:
        note += f'<div class="followup-note notice">Note: {plain_html(answer.notice)}</div>'
    if answer.cannot_answer and not answer.parts:
        return message_html(note + cannot_answer_body(answer.answer, filters), "no-answer")
    if filters:
        note += (f'<div class="followup-note filter-scope">Filters: searched only '
                 f'{plain_html(filters)}</div>')
    if answer.parts:
        return message_html(note + parts_html(answer, turn), "answer compared")
    units = answer_units(answer, turn)
    shown = " ".join(units[: len(units) if upto is None else upto])
    done = upto is None or upto >= len(units)
    work = work_box(answer.computation, turn) if answer.computation and done else ""
    return message_html(note + shown + work, "answer")


def work_box(computation: Computation, turn: int) -> str:
    """The computed figure's work in its own box: the result, the formula with the figures, and
    each operand with its row label, period and citation."""
    rows = "".join(
        f"<li>{plain_html(o.label)}{f' ({plain_html(o.period)})' if o.period else ''}: "
        f"{plain_html(o.text)}{' ' + cite_link(turn, o.n) if o.n else ''}</li>" for o in computation.operands)
    return (f'<div class="work-box"><div class="work-title">Computed by Dossier</div>'
            f"<div>{plain_html(computation.label)}: <strong>{plain_html(computation.result)}</strong> = "
            f"{plain_html(computation.work)}</div><ul>{rows}</ul></div>")


def parts_html(answer: Answer, turn: int) -> str:
    """A comparison, part by part: each its label and scope, then its quotes (or written text)
    with their [n] links, or what the sources do not cover."""
    by_n = {c.n: c for c in answer.citations}
    blocks = []
    for part in answer.parts:
        head = f'<strong class="part-label">{plain_html(part.label)}</strong>'
        if part.scope:
            head += f' <span class="followup-note scope-note">Searched: {plain_html(part.scope)}</span>'
        if not part.covered:
            missing = part.answer[:1].upper() + part.answer[1:]
            body = f'<span class="part-missing">{plain_html(missing)}</span>'
        elif answer.mode == "llm":
            body = _linked_claim(plain_html(part.answer), turn)
        else:
            body = " ".join(f"{plain_html(by_n[n].quote)} {cite_link(turn, n)}"
                            for n in part.citations if n in by_n)
        state = "covered" if part.covered else "missing"
        blocks.append(f'<div class="answer-part {state}">{head}<div>{body}</div></div>')
    return "".join(blocks)


def cannot_answer_body(text: str, filters: str | None = None) -> str:
    """The refusal; with filters set it names them, since they may be why nothing was found."""
    if not filters:
        return f'<strong class="no-answer-title">{NOT_IN_SOURCES}</strong> {plain_html(text)}'
    return (f'<strong class="no-answer-title">{NOT_IN_SOURCES.rstrip(".")}</strong> — '
            f'<span class="filter-scope">searched only {plain_html(filters)}</span> (the filters '
            f"set: clear them to search every document). {plain_html(text)}")


def question_markdown(text: str) -> str:
    return message_html(plain_html(text), "question")


def error_markdown(message: str) -> str:
    return message_html(f"<strong>Something went wrong.</strong> {plain_html(message)}", "chat-error")


def filter_error_markdown(message: str) -> str:
    """A filter the chat could not apply: what is wrong and what to type; nothing was searched."""
    return message_html(f"<strong>Check the filters.</strong> {plain_html(message)}. Nothing "
                        "was searched: correct the filter, or clear it, and ask again.",
                        "chat-error filter-error")


def filter_note_html(problems: Sequence[str]) -> str:
    """Beside the filter chips: what is wrong with a date as typed ("" when nothing is)."""
    if not problems:
        return ""
    items = "".join(f"<li>{plain_html(p)}.</li>" for p in problems)
    return f'<div class="filter-problems" role="alert"><ul>{items}</ul></div>'


# ----------------------------------------------------------------------------------------------
# source cards


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


# ----------------------------------------------------------------------------------------------
# the library


LIBRARY_COLUMNS = ["Title", "Company", "Form", "Period", "Chunks", "Ingested", "Source"]


def library_rows(records: Iterable[DocRecord]) -> list[list[object]]:
    rows: list[list[object]] = []
    for r in sorted(records, key=lambda r: r.ingested_at, reverse=True):
        m = r.meta
        source = r.source if is_url(r.source) else Path(r.source).name
        rows.append([m.title or Path(r.source).name, m.company or m.ticker or "", m.form or "",
                     m.period or "", r.n_chunks, display_date(r.ingested_at), source])
    return rows


def document_label(record: DocRecord) -> str:
    name = record.source if is_url(record.source) else Path(record.source).name
    title = record.meta.title or name
    return title if title == name else f"{title} ({name})"


# ----------------------------------------------------------------------------------------------
# example questions


# Questions known to be answered well by the documents this project ships (demo corpus, test
# fixtures), keyed by file name prefix; other documents get a question built from their metadata.
KNOWN_QUESTIONS: dict[str, str] = {
    "alibaba-ai-investment-2025": "How much is Alibaba investing in AI and cloud infrastructure?",
    "AAPL_10-Q_Q3FY2023": "What were Apple's total net sales in the third quarter of fiscal 2023?",
    "BKE_8-K_2024-11-22_EX-99.1": "What were The Buckle's comparable store sales?",
    "ORCL_8-K_2024-11-14": "How did Oracle's stockholders vote?",
    "JWN_8-K_2023-03-01": "What did Nordstrom report in its 8-K?",
}


def example_questions(records: Iterable[DocRecord], limit: int = 4) -> list[str]:
    known: list[str] = []
    generic: list[str] = []
    for r in sorted(records, key=lambda r: r.ingested_at, reverse=True):
        name = Path(r.source.split("?", 1)[0]).name
        for prefix, question in KNOWN_QUESTIONS.items():
            if name.startswith(prefix) and question not in known:
                known.append(question)
                break
        else:
            company = short_company(r.meta.company)
            if company:
                q = f"What did {company} report in its {r.meta.form or 'filing'}?"
                if q not in generic:
                    generic.append(q)
    return (known + generic)[:limit]


CHAT_PLACEHOLDER = (
    "### Ask your filings and news\n"
    "Every sentence of an answer is quoted from a source and carries its [n]; the sources panel "
    "shows each passage with the quoted sentence highlighted. When the sources do not hold the "
    "answer, Dossier says so."
)


def searching_markdown(n_documents: int) -> str:
    return message_html(f'Searching {n_documents} document{"" if n_documents == 1 else "s"}…',
                        "searching")


def report_html(lines: Sequence[tuple[str, str]], summary: str = "") -> str:
    """The ingest or delete report under the Library's buttons: (tag, text) lines, the tag one
    of added, replaced, unchanged, deleted (shown green), failed (red) or note."""
    head = f'<p class="report-summary"><strong>{plain_html(summary)}</strong></p>' if summary else ""
    items = "".join(
        f'<li><span class="tag {_TAG_KIND.get(tag, "info")}">{plain_html(tag)}</span>'
        f"{plain_html(text)}</li>" for tag, text in lines
    )
    return f'<div class="report">{head}{"<ul>" + items + "</ul>" if items else ""}</div>'


_TAG_KIND = {"added": "ok", "replaced": "ok", "deleted": "ok", "unchanged": "info", "failed": "fail"}
