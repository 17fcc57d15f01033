"""`dossier search` and `dossier ask`: passages for a query, a cited answer to a question (in a
stored conversation, or streamed as it is checked)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assistant.cli import common
from assistant.cli.common import (
    Company,
    Doc,
    Form,
    JsonFlag,
    KOption,
    Since,
    Ticker,
    Until,
    err,
    fail,
    out,
    search_filters,
)

if TYPE_CHECKING:
    from assistant.api import Assistant
    from assistant.models import Answer


def search(
    query: str, k: KOption = None, json_out: JsonFlag = False, company: Company = None,
    ticker: Ticker = None, form: Form = None, since: Since = None, until: Until = None,
    doc: Doc = None,
) -> None:
    """Show the passages retrieval finds for a query."""
    with common.open_assistant() as assistant:
        passages = assistant.search(query, k, **search_filters(company, ticker, form, since, until, doc))
    common.mark_wrote_nothing()
    scope = f"Scope: {passages.scope.describe()}" if passages.scope else None
    if json_out:  # the JSON stays a list of passages; the scope goes to stderr
        if scope:
            typer.echo(scope, err=True)
        print(json.dumps([p.json_contract() for p in passages], indent=2, ensure_ascii=False))
        return
    if scope:
        out.print(f"[dim]{scope}[/dim]", highlight=False)
    if not passages:
        out.print("No passages found.")
    from ingest.finance.lookup import statement_label

    for p in passages:  # one place (page) each; its best chunk shown
        statement = f" · {statement_label(p.statement)}" if p.statement else ""
        out.print(f"[bold]{p.rank}.[/bold] {p.place()}{statement}  [dim]score {p.score:.4f}[/dim]",
                  highlight=False)
        out.print(f"   {p.text[:300]}{'…' if len(p.text) > 300 else ''}", highlight=False)


def ask(
    question: str, k: KOption = None, json_out: JsonFlag = False, company: Company = None,
    ticker: Ticker = None, form: Form = None, since: Since = None, until: Until = None,
    doc: Doc = None,
    mode: Annotated[str | None, typer.Option(
        "--mode", help="'extractive' (quoted sentences) or 'llm' (a generated answer whose "
        "citations and numbers are checked). Default: llm when an LLM endpoint is configured.",
    )] = None,
    markdown: Annotated[bool, typer.Option(
        "--markdown", help="Print the answer as Markdown, for a memo: the text with its [n] and "
        "verification marks, then the numbered sources with place, link and quote.")] = False,
    conversation: Annotated[str | None, typer.Option(
        "--conversation", help="Continue a stored conversation (its id, as printed after an "
        "answer, or as the chat lists it), or 'new' to start one: a follow-up ('And iPhone?') "
        "is asked with its last question's company, metric and period, and the turn is stored.",
    )] = None,
    previous: Annotated[str | None, typer.Option(
        "--previous", help="The previous question (as searched): a follow-up builds on it; "
        "nothing is stored.")] = None,
) -> None:
    """Answer a question with cited passages."""
    if json_out and markdown:
        fail("choose one of --json and --markdown")
    if conversation and previous:
        fail("choose one of --conversation and --previous")
    filters = search_filters(company, ticker, form, since, until, doc)
    with common.open_assistant() as assistant:
        chosen = assistant.answer_mode(mode)
        if conversation:
            answer, conversation = _ask_in_conversation(assistant, conversation, question, k, chosen, filters)
        elif json_out or markdown or chosen == "extractive":
            answer = assistant.ask(question, k, mode=chosen, previous=previous, **filters)
        else:
            _print_streamed(assistant.ask_stream(question, k, mode=chosen, previous=previous, **filters))
            return
    if json_out:
        contract = answer.json_contract()
        if conversation:
            contract["conversation"] = conversation
        print(json.dumps(contract, indent=2, ensure_ascii=False))
        return
    if conversation:
        err.print(f"conversation: {conversation}", highlight=False, markup=False)
    if markdown:
        print(answer.to_markdown(), end="")
        return
    out.print(str(answer), highlight=False, markup=False)


def _ask_in_conversation(assistant: Assistant, conversation: str, question: str, k: int | None,
                         mode: str, filters: dict[str, Any]) -> tuple[Answer, str]:
    """Ask in a stored conversation (the chat's, for the user without a login), after its last
    question; the answer and the conversation's id."""
    from assistant.conversations import ConversationStore

    store = ConversationStore.at_home(assistant.settings.store.home)
    try:
        started = None if conversation == "new" else store.get(conversation, "")
        previous = started.last_searched if started else None
        answer = assistant.ask(question, k, mode=mode, previous=previous, **filters)
        stored = store.add_turn(started.id if started else None, "", question, answer,
                                {k: v for k, v in filters.items() if v})
    finally:
        store.close()
    return answer, stored


def _print_streamed(items: Iterator[str | Answer]) -> None:
    """Checked sentences as they come, then the claim summary and the sources; a fallback answer
    (the endpoint failed) is printed whole, with its notice."""
    from assistant.rendering import streamed_tail

    streamed = False
    for item in items:
        if isinstance(item, str):
            out.print(item, end="", highlight=False, markup=False)
            streamed = True
            continue
        if item.mode != "llm" or not streamed:
            out.print(("\n\n" if streamed else "") + str(item), highlight=False, markup=False)
            return
        out.print(streamed_tail(item), highlight=False, markup=False)
