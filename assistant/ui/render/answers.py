"""The answer in the chat: its sentences with linked [n] and the verifier's marks, a
comparison's parts, a computed figure's work, the refusal, and the chat's other messages."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answer.verify import SCALE_NOT_STATED
from assistant.models import Answer, Computation
from assistant.rendering import NOT_IN_SOURCES, display_quote
from assistant.ui.render.labels import plain_html


def cite_link(turn: int, n: int) -> str:
    return (f'<a class="cite" href="#src-{turn}-{n}" data-turn="{turn}" data-n="{n}" '
            f'title="Show source {n}">[{n}]</a>')


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


CHAT_PLACEHOLDER = (
    "### Ask your filings and news\n"
    "Every sentence of an answer is quoted from a source and carries its [n]; the sources panel "
    "shows each passage with the quoted sentence highlighted. When the sources do not hold the "
    "answer, Dossier says so."
)


def searching_markdown(n_documents: int) -> str:
    return message_html(f'Searching {n_documents} document{"" if n_documents == 1 else "s"}…',
                        "searching")
