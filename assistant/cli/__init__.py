"""`dossier …`: ingest, search, ask, status, figures, delete, chat, eval.

Starts at once: this package imports typer, rich and the error base only; each command imports
what it uses (the store, the embedder, LangChain, Gradio) when it runs
(tests/test_cli_start.py holds it to that; bench/cli_start.py times it). The commands live by
kind: documents.py (ingest, status, figures, delete), questions.py (search, ask), serving.py
(chat, mcp), evaluation.py (eval); common.py holds what they share.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from assistant.cli import common, documents, evaluation, questions, serving
from assistant.errors import DossierError


class _Commands(TyperGroup):
    """Every command's failures a person can act on (a `DossierError`) become one line saying
    what to do and exit status 2, never a traceback."""

    def invoke(self, ctx: Any) -> Any:  # typer's vendored click.Context
        try:
            return super().invoke(ctx)
        except DossierError as exc:
            common.fail(str(exc))


app = typer.Typer(cls=_Commands, add_completion=False, no_args_is_help=True,
                  help="Dossier: answers about filings and financial news, with cited passages.")


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


app.command("ingest")(documents.ingest_cmd)
app.command()(questions.search)
app.command()(questions.ask)
app.command()(documents.status)
app.command()(documents.figures)
app.command()(documents.delete)
app.command()(serving.chat)
app.command("mcp")(serving.mcp_cmd)
app.command("eval")(evaluation.eval_cmd)


def run() -> None:
    """The `dossier` console script."""
    try:
        app()
    except SystemExit as done:
        if common.wrote_nothing and done.code in (0, None):
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
