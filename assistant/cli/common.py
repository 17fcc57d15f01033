"""What the `dossier` commands share: the consoles, the options several take, opening the
assistant (imported when a command runs, never at start), and failing with a message."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from assistant.api import Assistant

out = Console()
err = Console(stderr=True)
# Set by a command that wrote nothing once it has closed the store: `run` then ends the process
# without the interpreter's teardown (see `_end_without_teardown` in assistant/cli/__init__.py).
wrote_nothing = False

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
KOption = Annotated[int | None, typer.Option("--k", "-k", help="Passages to retrieve.")]
Company = Annotated[str | None, typer.Option(help="Only documents of this company.")]
Ticker = Annotated[str | None, typer.Option(help="Only documents with this ticker.")]
Form = Annotated[str | None, typer.Option(help="Only this form (10-K, 10-Q, 8-K...).")]
Since = Annotated[str | None, typer.Option(help="Published or filed on/after (YYYY-MM-DD).")]
Until = Annotated[str | None, typer.Option(help="Published or filed on/before (YYYY-MM-DD).")]
Doc = Annotated[list[str] | None, typer.Option("--doc", help="Only this document id (repeatable).")]


def open_assistant() -> Assistant:
    """The Assistant every command uses (its heavy imports happen here, when a command runs)."""
    from assistant.api import Assistant

    return Assistant()


def search_filters(company: str | None, ticker: str | None, form: str | None, since: str | None,
                   until: str | None, doc: list[str] | None) -> dict[str, Any]:
    return {"company": company, "ticker": ticker, "form": form, "date_from": since,
            "date_to": until, "doc_ids": doc or None}


def fail(message: str) -> NoReturn:
    """Say what went wrong (the message is text, never markup) and exit with status 2."""
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def mark_wrote_nothing() -> None:
    """The command wrote nothing and has closed the store: the process may end at once."""
    global wrote_nothing
    wrote_nothing = True
