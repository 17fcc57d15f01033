"""`dossier …`: ingest, search, ask, status, delete."""

from __future__ import annotations

import json
import logging
import sys
from typing import Annotated, Any

import typer
from rich.console import Console

from assistant.api import Assistant
from ingest.lock import StoreBusyError
from ingest.store import StoreMismatchError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Dossier: answers about filings and financial news, with cited passages.")
out = Console()
err = Console(stderr=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
KOption = Annotated[int | None, typer.Option("--k", "-k", help="Passages to retrieve.")]
Company = Annotated[str | None, typer.Option(help="Only documents of this company.")]
Ticker = Annotated[str | None, typer.Option(help="Only documents with this ticker.")]
Form = Annotated[str | None, typer.Option(help="Only this form (10-K, 10-Q, 8-K...).")]
Since = Annotated[str | None, typer.Option(help="Published or filed on/after (YYYY-MM-DD).")]
Until = Annotated[str | None, typer.Option(help="Published or filed on/before (YYYY-MM-DD).")]
Doc = Annotated[list[str] | None, typer.Option("--doc", help="Only this document id (repeatable).")]


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


def _assistant() -> Assistant:
    return Assistant()


def _filters(company: str | None, ticker: str | None, form: str | None, since: str | None,
             until: str | None, doc: list[str] | None) -> dict[str, Any]:
    return {"company": company, "ticker": ticker, "form": form, "date_from": since,
            "date_to": until, "doc_ids": doc or None}


def _fail(message: str) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(2)


@app.command("ingest")
def ingest_cmd(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders (recursive) or URLs.")],
    company: Annotated[str | None, typer.Option(help="Set the company on every input.")] = None,
    ticker: Annotated[str | None, typer.Option(help="Set the ticker on every input.")] = None,
    form: Annotated[str | None, typer.Option(help="Set the form on every input.")] = None,
    period: Annotated[str | None, typer.Option(help="Set the fiscal period, e.g. FY2024.")] = None,
    wait: Annotated[float, typer.Option(help="Seconds to wait for another ingest.")] = 0.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Load, chunk, embed and store documents. Exit status 1 if any input failed."""
    try:
        with _assistant() as assistant:
            report = assistant.ingest(inputs, progress=not quiet and sys.stderr.isatty(),
                                      wait_for_lock_s=wait, company=company or "",
                                      ticker=ticker or "", form=form or "", period=period or "")
    except (StoreBusyError, StoreMismatchError) as exc:
        _fail(str(exc))
        return
    for source, reason in report.failed:
        err.print(f"[red]failed[/red] {source}: {reason}", highlight=False)
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
    with _assistant() as assistant:
        passages = assistant.search(query, k, **_filters(company, ticker, form, since, until, doc))
    if json_out:
        print(json.dumps([p.json_contract() for p in passages], indent=2, ensure_ascii=False))
        return
    if not passages:
        out.print("No passages found.")
    for p in passages:
        out.print(f"[bold]{p.rank}.[/bold] {p.place()}  [dim]score {p.score:.4f}[/dim]",
                  highlight=False)
        out.print(f"   {p.text[:300]}{'…' if len(p.text) > 300 else ''}", highlight=False)


@app.command()
def ask(
    question: str, k: KOption = None, json_out: JsonFlag = False, company: Company = None,
    ticker: Ticker = None, form: Form = None, since: Since = None, until: Until = None,
    doc: Doc = None,
) -> None:
    """Answer a question with cited passages."""
    with _assistant() as assistant:
        answer = assistant.ask(question, k, **_filters(company, ticker, form, since, until, doc))
    if json_out:
        print(json.dumps(answer.json_contract(), indent=2, ensure_ascii=False))
        return
    out.print(str(answer), highlight=False)


@app.command()
def status(json_out: JsonFlag = False) -> None:
    """Where the store is and what it holds."""
    with _assistant() as assistant:
        info = assistant.status()
        docs = assistant.documents()
    if json_out:
        info["documents_list"] = [
            {"doc_id": d.doc_id, "title": d.meta.title, "source": d.source, "chunks": d.n_chunks}
            for d in docs
        ]
        print(json.dumps(info, indent=2))
        return
    for key, value in info.items():
        out.print(f"{key}: {value}", highlight=False)
    for d in docs:
        out.print(f"  {d.doc_id}  {d.n_chunks:5d} chunks  {d.meta.title or d.source}",
                  highlight=False)


@app.command()
def delete(doc: Annotated[str, typer.Argument(help="Document id, file path or URL.")]) -> None:
    """Remove a document and all its chunks."""
    try:
        with _assistant() as assistant:
            deleted = assistant.delete(doc)
    except StoreBusyError as exc:
        _fail(str(exc))
        return
    if not deleted:
        _fail(f"no document {doc!r} in the store; `dossier status` lists them")
    out.print(f"deleted {doc}", highlight=False)


@app.command()
def chat(
    host: Annotated[str, typer.Option(help="Interface to bind; 0.0.0.0 exposes the chat to the "
                                      "network (set DOSSIER_AUTH first).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 7860,
) -> None:
    """Open the research chat in the browser (Gradio) at http://HOST:PORT."""
    from assistant.ui.safety import AuthError

    out.print("Starting the chat (loading Gradio, the model and the store)…", highlight=False)
    try:
        assistant = _assistant()
        from assistant.ui.app import ChatApp

        chat_app = ChatApp(assistant)
        if host not in ("127.0.0.1", "localhost", "::1") and not assistant.settings.auth:
            err.print(f"[yellow]warning:[/yellow] the chat is exposed on {host} without a login; "
                      "set DOSSIER_AUTH=user:password (or a file of such lines)", highlight=False)
        chat_app.launch(server_name=host, server_port=port, quiet=True, prevent_thread_lock=True)
    except (AuthError, StoreMismatchError) as exc:
        _fail(str(exc))
        return
    except OSError as exc:
        busy = "empty port" in str(exc)
        _fail(f"port {port} is in use: choose another with --port" if busy else str(exc))
        return
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    out.print(f"Dossier chat: [bold]http://{shown}:{port}[/bold]  (Ctrl+C to stop)", highlight=False)
    chat_app.demo.block_thread()


if __name__ == "__main__":
    app()
