"""`dossier …`: ingest, search, ask, status, figures, delete, chat, eval.

Starts at once: this module imports typer, rich and the error base only; each command imports
what it uses (the store, the embedder, LangChain, Gradio) when it runs
(tests/test_cli_start.py holds it to that; bench/cli_start.py times it).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from assistant.errors import DossierError

if TYPE_CHECKING:
    from assistant.api import Assistant
    from assistant.models import Answer

out = Console()
err = Console(stderr=True)
# Set by a command that wrote nothing once it has closed the store: `run` then ends the process
# without the interpreter's teardown (see `_end_without_teardown`).
_wrote_nothing = False


class _Commands(TyperGroup):
    """Every command's failures a person can act on (a `DossierError`) become one line saying
    what to do and exit status 2, never a traceback."""

    def invoke(self, ctx: Any) -> Any:  # typer's vendored click.Context
        try:
            return super().invoke(ctx)
        except DossierError as exc:
            _fail(str(exc))


app = typer.Typer(cls=_Commands, add_completion=False, no_args_is_help=True,
                  help="Dossier: answers about filings and financial news, with cited passages.")
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
KOption = Annotated[int | None, typer.Option("--k", "-k", help="Passages to retrieve.")]
Company = Annotated[str | None, typer.Option(help="Only documents of this company.")]
Ticker = Annotated[str | None, typer.Option(help="Only documents with this ticker.")]
Form = Annotated[str | None, typer.Option(help="Only this form (10-K, 10-Q, 8-K...).")]
Since = Annotated[str | None, typer.Option(help="Published or filed on/after (YYYY-MM-DD).")]
Until = Annotated[str | None, typer.Option(help="Published or filed on/before (YYYY-MM-DD).")]
Doc = Annotated[list[str] | None, typer.Option("--doc", help="Only this document id (repeatable).")]
AllowIngest = Annotated[bool, typer.Option(
    "--allow-ingest", help="MCP: also offer the ingest tool (the client may add documents).")]


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


def _assistant() -> Assistant:
    from assistant.api import Assistant

    return Assistant()


def _filters(company: str | None, ticker: str | None, form: str | None, since: str | None,
             until: str | None, doc: list[str] | None) -> dict[str, Any]:
    return {"company": company, "ticker": ticker, "form": form, "date_from": since,
            "date_to": until, "doc_ids": doc or None}


def _fail(message: str) -> NoReturn:
    """Say what went wrong (the message is text, never markup) and exit with status 2."""
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


@app.command("ingest")
def ingest_cmd(
    inputs: Annotated[list[str], typer.Argument(
        help="Files, folders (recursive), URLs, or edgar:TICKER / edgar:CIK (SEC filings, "
        "downloaded from EDGAR; set DOSSIER_SEC_IDENTITY first).")],
    company: Annotated[str | None, typer.Option(help="Set the company on every input.")] = None,
    ticker: Annotated[str | None, typer.Option(help="Set the ticker on every input.")] = None,
    form: Annotated[str | None, typer.Option(help="Set the form on every input.")] = None,
    period: Annotated[str | None, typer.Option(help="Set the fiscal period, e.g. FY2024.")] = None,
    wait: Annotated[float, typer.Option(help="Seconds to wait for another ingest.")] = 0.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    forms: Annotated[str | None, typer.Option(
        help="edgar: inputs: forms to download, comma-separated (default 10-K,10-Q).")] = None,
    since: Annotated[str | None, typer.Option(
        help="edgar: inputs: filed on/after this year or date (2022, 2022-06-30).")] = None,
) -> None:
    """Load, chunk, embed and store documents. Exit status 1 if any input failed."""
    with _assistant() as assistant:
        report = assistant.ingest(inputs, progress=not quiet and sys.stderr.isatty(),
                                  wait_for_lock_s=wait, company=company or "",
                                  ticker=ticker or "", form=form or "", period=period or "",
                                  forms=forms, since=since)
    for source, reason in report.failed:
        err.print(f"[red]failed[/red] {source}: {reason}", highlight=False, soft_wrap=True)
    out.print(f"{report.summary()} ({report.chunks} chunks)", highlight=False)
    if report.failed:
        raise typer.Exit(1)


@app.command()
def search(
    query: str, k: KOption = None, json_out: JsonFlag = False, company: Company = None,
    ticker: Ticker = None, form: Form = None, since: Since = None, until: Until = None,
    doc: Doc = None,
) -> None:
    """Show the passages retrieval finds for a query."""
    global _wrote_nothing
    with _assistant() as assistant:
        passages = assistant.search(query, k, **_filters(company, ticker, form, since, until, doc))
    _wrote_nothing = True
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


@app.command()
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
        _fail("choose one of --json and --markdown")
    if conversation and previous:
        _fail("choose one of --conversation and --previous")
    filters = _filters(company, ticker, form, since, until, doc)
    with _assistant() as assistant:
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


@app.command()
def status(json_out: JsonFlag = False) -> None:
    """Where the store is and what it holds."""
    with _assistant() as assistant:
        info = assistant.status()
        docs = assistant.documents()
    if json_out:
        from assistant.models import document_contract

        info["documents_list"] = [document_contract(d) for d in docs]
        print(json.dumps(info, indent=2))
        return
    for key, value in info.items():
        out.print(f"{key}: {value}", highlight=False)
    for d in docs:
        out.print(f"  {d.doc_id}  {d.n_chunks:5d} chunks  {d.meta.title or d.source}",
                  highlight=False)


@app.command()
def figures(
    company: Annotated[str | None, typer.Argument(help="Company name (a part of it) or ticker.")] = None,
    period: Annotated[str | None, typer.Option(help="Fiscal period, e.g. FY2023 or 'Q2 FY2023'.")] = None,
    statement: Annotated[str | None, typer.Option(
        help="Statement id: income_statement, balance_sheet, cash_flows, ...")] = None,
    line_item: Annotated[str | None, typer.Option(
        "--line-item", help="Line-item id (revenue) or a part of the row label.")] = None,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """The figures of the stored financial tables: statement, line item, period, value, unit, page."""
    from assistant.figures import figure_rows, print_figures

    with _assistant() as assistant:
        found = assistant.figures(company, period, statement, line_item)
    if json_out:
        print(json.dumps(figure_rows(found), indent=2))
    elif not found:
        _fail("no figures match; `dossier figures` without filters lists them all")
    else:
        print_figures(found, csv_out, sys.stdout)


@app.command()
def delete(doc: Annotated[str, typer.Argument(help="Document id, file path or URL.")]) -> None:
    """Remove a document and all its chunks."""
    with _assistant() as assistant:
        deleted = assistant.delete(doc)
    if not deleted:
        _fail(f"no document {doc!r} in the store; `dossier status` lists them")
    out.print(f"deleted {doc}", highlight=False)


@app.command()
def chat(
    host: Annotated[str, typer.Option(help="Interface to bind; 0.0.0.0 exposes the chat to the "
                                      "network (set DOSSIER_AUTH first).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 7860,
    mcp: Annotated[bool, typer.Option("--mcp", help="Also serve the MCP tools at /mcp "
                                      "(streamable HTTP; needs the mcp extra).")] = False,
    allow_ingest: AllowIngest = False,
) -> None:
    """Open the research chat in the browser (Gradio) at http://HOST:PORT, with the JSON API at
    /api/search, /api/ask and /api/documents."""

    if allow_ingest and not mcp:
        _fail("--allow-ingest offers the MCP tools' ingest: add --mcp")
    if mcp:
        _require_mcp()
    out.print("Starting the chat (loading Gradio, the model and the store)…", highlight=False)
    try:
        assistant = _assistant()
        from assistant.ui.app import ChatApp

        chat_app = ChatApp(assistant, mcp=mcp, allow_ingest=allow_ingest)
        if host not in ("127.0.0.1", "localhost", "::1") and not assistant.settings.chat.auth:
            err.print(f"[yellow]warning:[/yellow] the chat is exposed on {host} without a login; "
                      "set DOSSIER_AUTH=user:password (or a file of such lines)", highlight=False)
        chat_app.launch(server_name=host, server_port=port, quiet=True, prevent_thread_lock=True)
    except OSError as exc:
        busy = "empty port" in str(exc)
        _fail(f"port {port} is in use: choose another with --port" if busy else str(exc))
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    out.print(f"Dossier chat: [bold]http://{shown}:{port}[/bold]  (Ctrl+C to stop)", highlight=False)
    if mcp:
        out.print(f"MCP (streamable HTTP): http://{shown}:{port}/mcp", highlight=False)
    chat_app.demo.block_thread()


@app.command("mcp")
def mcp_cmd(allow_ingest: AllowIngest = False) -> None:
    """Serve the store to MCP clients over stdio: the tools search, ask and list_documents."""
    _require_mcp()
    from assistant.serve.mcp import serve_stdio
    from assistant.serve.service import DossierService

    with _assistant() as assistant:
        service = DossierService(assistant)
        service.warm()  # a store that cannot be opened is reported before serving
        serve_stdio(service, allow_ingest=allow_ingest)


def _require_mcp() -> None:
    from assistant.serve import require_mcp

    require_mcp()  # a MissingExtraError (a DossierError) names the extra to install


@app.command("eval")
def eval_cmd(
    dataset: Annotated[Path, typer.Argument(help="Question set: FinanceBench .jsonl, Docugami .csv, "
                                            "TAT-QA .json, or .jsonl of {question, answer, sources}.")],
    docs: Annotated[Path | None, typer.Option(help="Folder of the documents: ingested first into "
                                              "a store of its own, cached between runs.")] = None,
    store: Annotated[Path | None, typer.Option(help="Where that store lives (default: a folder "
                                               "per docs folder in the user cache).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="auto, financebench, docugami, tatqa, "
                                     "simple.")] = "auto",
    k: Annotated[int, typer.Option("--k", "-k", help="Passages ranked per question.")] = 10,
    mode: Annotated[str | None, typer.Option(help="Answer mode passed to ask (default: the "
                                             "assistant's).")] = None,
    baseline: Annotated[bool, typer.Option(help="Also run the plain LangChain pipeline of the "
                                           "FinanceBench paper (needs the bench extra).")] = False,
    judge: Annotated[bool, typer.Option(help="Grade answers with the configured LLM too.")] = False,
    limit: Annotated[int, typer.Option(help="Only the first N questions (0: all).")] = 0,
    given_docs: Annotated[bool, typer.Option("--given-docs", help="Search and answer each question "
                                             "within its gold documents only: answering measured "
                                             "apart from retrieval.")] = False,
    kind: Annotated[str | None, typer.Option(help="Only questions whose type starts with this "
                                             "(TAT-QA: 'arithmetic', 'span').")] = None,
    json_out: JsonFlag = False,
    out_path: Annotated[Path | None, typer.Option("--out", help="Write the JSON here.")] = None,
    markdown_path: Annotated[Path | None, typer.Option("--markdown", help="Write the Markdown "
                                                       "report here.")] = None,
    section: Annotated[str | None, typer.Option(help="With --markdown: replace only the section "
                                                "between <!-- eval:NAME --> markers.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Measure retrieval and answers on a question set: hit@k, MRR, answer match, citations."""
    from assistant.evaluation.command import EvalOptions, run_eval

    run_eval(dataset, EvalOptions(
        docs=docs, store=store, fmt=fmt, k=k, mode=mode, baseline=baseline, judge=judge,
        limit=limit, given_docs=given_docs, kind=kind, json_out=json_out, out_path=out_path,
        markdown_path=markdown_path,
        section=section, progress=not quiet))


def run() -> None:
    """The `dossier` console script."""
    try:
        app()
    except SystemExit as done:
        if _wrote_nothing and done.code in (0, None):
            _end_without_teardown()
        raise


def _end_without_teardown() -> None:
    """End a command that wrote nothing (its store closed, its output printed) at once.

    The interpreter's teardown would free the model's session, stop Chroma's system and clear
    a thousand modules: ~0.2 s of CPU, and more wall time on a busy machine, for a process
    about to end (bench/cli_start.py). Commands that write (ingest, delete) end normally, so
    that Chroma and SQLite close their files; so does any command that fails."""
    try:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # e.g. a closed pipe: let Python's own exit report it
        return
    os._exit(0)


if __name__ == "__main__":
    run()
