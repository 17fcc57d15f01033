"""`dossier ingest`, `status`, `figures`, `delete`: what the store holds, added and removed."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from assistant.cli import common
from assistant.cli.common import JsonFlag, err, fail, out


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
    with common.open_assistant() as assistant:
        report = assistant.ingest(inputs, progress=not quiet and sys.stderr.isatty(),
                                  wait_for_lock_s=wait, company=company or "",
                                  ticker=ticker or "", form=form or "", period=period or "",
                                  forms=forms, since=since)
    for source, reason in report.failed:
        err.print(f"[red]failed[/red] {source}: {reason}", highlight=False, soft_wrap=True)
    out.print(f"{report.summary()} ({report.chunks} chunks)", highlight=False)
    if report.failed:
        raise typer.Exit(1)


def status(json_out: JsonFlag = False) -> None:
    """Where the store is and what it holds."""
    with common.open_assistant() as assistant:
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

    with common.open_assistant() as assistant:
        found = assistant.figures(company, period, statement, line_item)
    if json_out:
        print(json.dumps(figure_rows(found), indent=2))
    elif not found:
        fail("no figures match; `dossier figures` without filters lists them all")
    else:
        print_figures(found, csv_out, sys.stdout)


def delete(doc: Annotated[str, typer.Argument(help="Document id, file path or URL.")]) -> None:
    """Remove a document and all its chunks."""
    with common.open_assistant() as assistant:
        deleted = assistant.delete(doc)
    if not deleted:
        fail(f"no document {doc!r} in the store; `dossier status` lists them")
    out.print(f"deleted {doc}", highlight=False)
