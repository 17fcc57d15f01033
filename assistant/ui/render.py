"""HTML and Markdown for the chat: answers with linked citations, source cards with the quoted
sentence highlighted, the library table, example questions. Pure functions of the models, so
they are tested without a browser. Every text from a document is escaped before it is shown."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from assistant.answer.verify import SCALE_NOT_STATED
from assistant.models import Answer, Citation, Passage, page_label
from assistant.rendering import NOT_IN_SOURCES
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
    if answer.mode == "llm" and answer.claims:
        return [_linked_claim(plain_html(c.text), turn) for c in answer.claims]
    return [f"{plain_html(c.quote)} {cite_link(turn, c.n)}" for c in answer.citations]


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
                    rewritten: str | None = None) -> str:
    """The assistant message for an answer; `upto` sentences while streaming; `rewritten`: the
    question as searched, when the chat rewrote a follow-up."""
    note = ""
    if rewritten:
        note = f'<div class="followup-note">Follow-up, searched as: {plain_html(rewritten)}</div>'
    if answer.scope:
        note += f'<div class="followup-note scope-note">Searched: {plain_html(answer.scope)}</div>'
    if answer.notice:
        note += f'<div class="followup-note notice">Note: {plain_html(answer.notice)}</div>'
    if answer.cannot_answer:
        return message_html(note + cannot_answer_body(answer.answer), "no-answer")
    units = answer_units(answer, turn)
    return message_html(note + " ".join(units[: len(units) if upto is None else upto]), "answer")


def cannot_answer_body(text: str) -> str:
    return f'<strong class="no-answer-title">{NOT_IN_SOURCES}</strong> {plain_html(text)}'


def question_markdown(text: str) -> str:
    return message_html(plain_html(text), "question")


def error_markdown(message: str) -> str:
    return message_html(f"<strong>Something went wrong.</strong> {plain_html(message)}", "chat-error")


# ----------------------------------------------------------------------------------------------
# source cards


def highlight(text: str, quote_text: str, before: int = 240, after: int = 480) -> str:
    """`text` as HTML with `quote_text` wrapped in <mark>; a long passage is trimmed to about
    `before` characters ahead of the quote (so the quote shows near the top of the card) and
    `after` behind it. Matching tolerates differing whitespace."""
    start, end = _find(text, quote_text)
    if start < 0:
        return html.escape(_trim(text, before + after))
    lo = max(0, start - before)
    hi = min(len(text), end + after)
    if lo > 0:
        line_start = text.find("\n", lo, start)
        lo = line_start + 1 if line_start >= 0 else _word_boundary(text, lo, forward=True)
    if hi < len(text):
        hi = _word_boundary(text, hi, forward=False)
    head, quoted, tail = text[lo:start], text[start:end], text[end:hi]
    return (("… " if lo > 0 and text[lo - 1] != "\n" else "") + html.escape(head)
            + '<mark class="quote">' + html.escape(" ".join(quoted.split())) + "</mark>"
            + html.escape(tail) + (" …" if hi < len(text) else ""))


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
    link = original_link(citation.source, citation.url, citation.page)
    title = html.escape(citation.title or Path(citation.source).name)
    meta = " · ".join(html.escape(f) for f in card_meta(passage, citation))
    body = highlight(passage.text, citation.quote) if passage else (
        f'<mark class="quote">{html.escape(citation.quote)}</mark>')
    return (
        f'<div class="src-card" id="src-{turn}-{citation.n}" data-n="{citation.n}">'
        f'<div class="src-head"><span class="src-n">{citation.n}</span>'
        f'<a class="src-title" href="{html.escape(link)}" target="_blank" rel="noopener noreferrer"'
        f' title="Open the original">{title} <span class="open">↗</span></a></div>'
        + (f'<div class="src-meta">{meta}</div>' if meta else "")
        + f'<div class="src-passage">{body}</div>{view_page_link(citation)}</div>'
    )


def view_page_link(citation: Citation) -> str:
    """The card's link to the cited page with the quote boxed (PDF), or to the stored text with
    the quote marked (any other source); served beside the chat (assistant/serve/page_route)."""
    is_pdf = citation.page is not None and citation.source.lower().endswith(".pdf")
    href = view_link(citation.chunk_id, citation.quote, citation.page if is_pdf else None)
    label = "View page" if is_pdf else "View in text"
    return (f'<a class="view-page" href="{html.escape(href)}" target="_blank" rel="noopener" '
            f'title="Open the cited place with the quote highlighted">{label}</a>')


def passage_card(passage: Passage) -> str:
    """A retrieved passage that no sentence cites (shown after a cannot-answer reply)."""
    link = original_link(passage.source, passage.url, passage.page)
    facts = [x for x in (passage.company or passage.ticker, passage.form, passage.section,
                         page_label(passage.page, passage.printed_page) if passage.page is not None
                         else None,
                         passage.published or passage.filed) if x]
    return (
        f'<div class="src-card uncited"><div class="src-head">'
        f'<a class="src-title" href="{html.escape(link)}" target="_blank" rel="noopener noreferrer">'
        f'{html.escape(passage.title or Path(passage.source).name)} <span class="open">↗</span></a></div>'
        + (f'<div class="src-meta">{" · ".join(html.escape(f) for f in facts)}</div>' if facts else "")
        + f'<div class="src-passage">{html.escape(_trim(passage.text, 400))}</div></div>'
    )


EMPTY_SOURCES = (
    '<div class="sources-empty"><p><strong>Sources</strong> appear here.</p>'
    "<p>Every sentence of an answer is quoted from a passage and carries its number: click "
    "<span class=\"cite-sample\">[1]</span> to jump to the passage, with the quoted sentence "
    "highlighted, and the title to open the original.</p></div>"
)


def sources_html(turns: Sequence[tuple[int, Answer]]) -> str:
    """The sources panel: the latest answer's cards open, earlier answers folded below."""
    if not turns:
        return EMPTY_SOURCES
    parts = []
    for index, (turn, answer) in enumerate(reversed(turns)):
        body = _turn_cards(turn, answer)
        label = html.escape(answer.question)
        if index == 0:
            parts.append(f'<div class="src-turn latest" data-turn="{turn}">'
                         f'<div class="src-question">{label}</div>{body}</div>')
        else:
            parts.append(f'<details class="src-turn earlier" data-turn="{turn}">'
                         f"<summary>{label}</summary>{body}</details>")
    return '<div class="sources">' + "".join(parts) + "</div>"


def _turn_cards(turn: int, answer: Answer) -> str:
    by_chunk = {p.chunk_id: p for p in answer.passages}
    if answer.citations:
        return "".join(source_card(c, by_chunk.get(c.chunk_id), turn) for c in answer.citations)
    if not answer.passages:
        return '<p class="src-none">No passage matched the question (and its filters).</p>'
    closest = "".join(passage_card(p) for p in answer.passages[:3])
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
