"""How an `Answer` reads outside the chat: plain text for the CLI (also `str(answer)`), Markdown
for a memo (`Answer.to_markdown()`, `dossier ask --markdown`, the chat's downloads of an answer
or a whole conversation; notebooks show it too) and HTML for notebooks (`_repr_html_`). One list of
sources, one claim summary, one notice, shared by all of them; the chat's richer HTML
(assistant/ui/render.py) takes its wording from here too."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from assistant.models import Answer, Citation

NOT_IN_SOURCES = "Not in the sources."
_SOURCE_MARKER = re.compile(r"\[(\d{1,3})\]")


def display_quote(quote: str) -> str:
    """A quote as an answer shows it (CLI, chat, notebook): a source's own reference markers
    ("[2]" in an analyst article) become "(ref. 2)" so they cannot be mistaken for Dossier's
    citations. The citation's `quote` keeps the exact text."""
    return _SOURCE_MARKER.sub(r"(ref. \1)", quote)


def _date(citation: Citation) -> str:
    return f" ({citation.date})" if citation.date else ""


def _link(citation: Citation) -> str:
    return citation.url or citation.source


# --- text (the CLI) -----------------------------------------------------------------------------


def sources_text(citations: Sequence[Citation]) -> str:
    """'Sources:' and one indented line per citation: number, place, date, link."""
    return "Sources:\n" + "\n".join(
        f"  [{c.n}] {c.place()}{_date(c)} — {_link(c)}" for c in citations)


def answer_footer(answer: Answer) -> list[str]:
    """What follows an answer's text: how many claims held (LLM answers) and the sources."""
    footer = [f"({answer.summary()})"] if answer.mode == "llm" and answer.claims else []
    if answer.citations:
        footer.append(sources_text(answer.citations))
    return footer


def answer_text(answer: Answer) -> str:
    """The whole answer as the CLI prints it: scope, notice, the text, then the footer."""
    searched = answer.searched if answer.searched != answer.question else None
    head = [f"Searched as: {searched}"] if searched else []
    if answer.scope:
        head.append(f"Scope: {answer.scope}")
    if answer.notice:
        head.append(f"Note: {answer.notice}")
    return "\n\n".join([*head, answer.answer, *answer_footer(answer)])


def streamed_tail(answer: Answer) -> str:
    """What the CLI prints after an LLM answer's streamed sentences: the footer, then the scope
    and the notice (the text is already on screen)."""
    tail = answer_footer(answer)
    if answer.scope:
        tail.append(f"Scope: {answer.scope}")
    if answer.notice:
        tail.append(f"Note: {answer.notice}")
    return "\n\n" + "\n\n".join(tail) if tail else ""


# --- Markdown and HTML (notebooks) --------------------------------------------------------------


def sources_markdown(citations: Sequence[Citation]) -> str:
    """Numbered sources: each its place (title, section, page) linked to the original, its date,
    and the quoted passage."""
    return "\n\n".join(
        f"{c.n}. [{c.place()}]({_link(c)}){_date(c)}\n   > {' '.join(c.quote.split())}"
        for c in citations)


def answer_body_markdown(answer: Answer, asked: str | None = None) -> str:
    """An answer as the chat shows it, in Markdown: the question as searched when it differs
    from the one `asked` (a rewritten follow-up), scope and notice, the text with its [n] and the
    verifier's marks, how many claims held (LLM answers), then the numbered sources."""
    searched = answer.searched or answer.question
    parts = [f"*Searched as: {searched}*"] if searched != (asked or answer.question) else []
    if answer.scope:
        parts.append(f"*Scope: {answer.scope}*")
    if answer.notice:
        parts.append(f"*Note: {answer.notice}*")
    parts.append(f"**{NOT_IN_SOURCES}** {answer.answer}" if answer.cannot_answer else answer.answer)
    if answer.mode == "llm" and answer.claims:
        parts.append(f"*({answer.summary()})*")
    if answer.citations:
        parts.append("**Sources**\n\n" + sources_markdown(answer.citations))
    return "\n\n".join(parts)


def answer_markdown(answer: Answer, asked: str | None = None) -> str:
    """`Answer.to_markdown()`: the question (`asked`: as the user typed it, when the chat
    rewrote it), then the answer's body. Notebooks show the same."""
    question = asked or answer.question
    return f"**Q:** {question}\n\n{answer_body_markdown(answer, question)}\n"


def conversation_markdown(title: str, turns: Sequence[tuple[str, Answer]],
                          started: str | None = None) -> str:
    """A whole conversation: its title, then each (question as typed, answer) under a numbered
    heading, each answer with its own numbered sources."""
    head = f"# {title}\n\n*Dossier conversation" + (f", started {started}" if started else "")
    head += f", {len(turns)} question{'' if len(turns) == 1 else 's'}.*"
    sections = [f"## {i}. {question}\n\n{answer_body_markdown(answer, question)}"
                for i, (question, answer) in enumerate(turns, start=1)]
    return "\n\n".join([head, *sections]) + "\n"


def answer_html(answer: Answer) -> str:
    """The answer with its sources, for Jupyter: each [n] links to its numbered source, which
    shows where the passage is, a link to the original and the quoted sentence."""
    esc = html.escape
    question = f'<p style="margin:0 0 6px 0"><b>Q:</b> {esc(answer.question)}</p>'
    if answer.cannot_answer:
        return (f'<div class="dossier-answer">{question}<p style="border-left:4px solid #d97706;'
                f'padding:6px 10px;margin:0"><b>{NOT_IN_SOURCES}</b> {esc(answer.answer)}</p></div>')
    uid = f"dossier-{id(answer):x}"
    sentences = " ".join(
        f'{esc(" ".join(display_quote(c.quote).split()))} <a href="#{uid}-{c.n}" '
        f'title="{esc(c.place())}">'
        f"[{c.n}]</a>" for c in answer.citations
    )
    if answer.mode == "llm":  # the generated text, its [n] linked; and how many claims held
        sentences = re.sub(r"\[(\d+)\]", rf'<a href="#{uid}-\1">[\1]</a>', esc(answer.answer))
        sentences += f' <i style="color:#666">({esc(answer.summary())})</i>'
    if answer.notice:
        question += f'<p style="color:#b45309;margin:0 0 6px 0">{esc(answer.notice)}</p>'
    items = "".join(_source_item(c, uid) for c in answer.citations)
    sources = f'<p style="margin:10px 0 4px 0"><b>Sources</b></p><ol>{items}</ol>'
    return f'<div class="dossier-answer">{question}<p>{sentences}</p>{sources}</div>'


def _source_item(c: Citation, uid: str) -> str:
    esc = html.escape
    return (f'<li id="{uid}-{c.n}" value="{c.n}"><a href="{esc(_link(c))}" target="_blank" '
            f'rel="noopener noreferrer">{esc(c.place())}</a>{esc(_date(c))}<blockquote '
            f'style="margin:4px 0 8px 0;padding-left:8px;border-left:3px solid #c7d2fe;'
            f'color:#444">{esc(c.quote)}</blockquote></li>')
