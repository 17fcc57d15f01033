"""`dossier chat` (the Gradio chat, with the MCP tools at /mcp on request) and `dossier mcp`
(the MCP tools over stdio)."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.cli import common
from assistant.cli.common import err, fail, out

AllowIngest = Annotated[bool, typer.Option(
    "--allow-ingest", help="MCP: also offer the ingest tool (the client may add documents).")]


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
        fail("--allow-ingest offers the MCP tools' ingest: add --mcp")
    if mcp:
        _require_mcp()
    out.print("Starting the chat (loading Gradio, the model and the store)…", highlight=False)
    try:
        assistant = common.open_assistant()
        from assistant.ui.app import ChatApp

        chat_app = ChatApp(assistant, mcp=mcp, allow_ingest=allow_ingest)
        if host not in ("127.0.0.1", "localhost", "::1") and not assistant.settings.chat.auth:
            err.print(f"[yellow]warning:[/yellow] the chat is exposed on {host} without a login; "
                      "set DOSSIER_AUTH=user:password (or a file of such lines)", highlight=False)
        chat_app.launch(server_name=host, server_port=port, quiet=True, prevent_thread_lock=True)
    except OSError as exc:
        busy = "empty port" in str(exc)
        fail(f"port {port} is in use: choose another with --port" if busy else str(exc))
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    out.print(f"Dossier chat: [bold]http://{shown}:{port}[/bold]  (Ctrl+C to stop)", highlight=False)
    if mcp:
        out.print(f"MCP (streamable HTTP): http://{shown}:{port}/mcp", highlight=False)
    chat_app.demo.block_thread()


def mcp_cmd(allow_ingest: AllowIngest = False) -> None:
    """Serve the store to MCP clients over stdio: the tools search, ask and list_documents."""
    _require_mcp()
    from assistant.serve.mcp import serve_stdio
    from assistant.serve.service import DossierService

    with common.open_assistant() as assistant:
        service = DossierService(assistant)
        service.warm()  # a store that cannot be opened is reported before serving
        serve_stdio(service, allow_ingest=allow_ingest)


def _require_mcp() -> None:
    from assistant.serve import require_mcp

    require_mcp()  # a MissingExtraError (a DossierError) names the extra to install
