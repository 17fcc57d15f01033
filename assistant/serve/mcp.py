"""Dossier as an MCP server (the official `mcp` SDK, the `mcp` extra): the tools `search`, `ask`
and `list_documents`, and `ingest` only when the server was started with `--allow-ingest`.

`dossier mcp` serves them over stdio; `dossier chat --mcp` over streamable HTTP at /mcp beside
the chat, behind its login. The tools give the shapes of the CLI's `--json` (see service.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import anyio.to_thread
from anyio import CapacityLimiter
from pydantic import ValidationError
from starlette.routing import Route

from assistant.serve.login import RequireLogin
from assistant.serve.service import (
    AskRequest,
    Company,
    DocIds,
    DossierService,
    Form,
    K,
    Mode,
    Previous,
    Query,
    Question,
    RequestError,
    SearchRequest,
    Since,
    Sources,
    Ticker,
    Unavailable,
    Until,
    problem,
)

try:
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError
    from mcp.types import ToolAnnotations
except ModuleNotFoundError as missing:
    if (missing.name or "").split(".")[0] != "mcp":
        raise
    from assistant.serve import MCP_EXTRA_MISSING, MissingExtraError

    # the `mcp` extra is not installed: say so, rather than "No module named 'mcp'"
    raise MissingExtraError(MCP_EXTRA_MISSING) from missing

PATH = "/mcp"  # where `dossier chat --mcp` serves it

INSTRUCTIONS = (
    "Dossier holds SEC filings (10-K, 10-Q, 8-K, 20-F...) and financial news articles, and answers "
    "from them with cited passages. Call list_documents to see what is stored; search to read "
    "the passages about something; ask for an answer whose every claim is checked against the "
    "passages it cites. Quote the citations' titles and pages when you use their content.")

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)


Runner = Callable[[Callable[[], Any]], Awaitable[Any]]


def build_server(service: DossierService, *, allow_ingest: bool = False,
                 limiter: CapacityLimiter | None = None) -> MCPServer:
    """An MCP server whose tools use `service`; `ingest` only when `allow_ingest`. The tools'
    work runs in worker threads, at most `limiter`'s number at once (default: anyio's)."""
    server: MCPServer = MCPServer("dossier", title="Dossier", instructions=INSTRUCTIONS,
                                  log_level="WARNING")
    run = _runner(limiter)
    _add_reading_tools(server, service, run)
    if allow_ingest:
        @server.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False,
                                                 idempotent_hint=True, open_world_hint=True))
        async def ingest(paths_or_urls: Sources) -> dict[str, Any]:
            """Add documents to the store: files or folders on the server's disk (PDF, HTML,
            text, Markdown), http(s) URLs of articles or filings, or edgar:TICKER to download
            a company's 10-K and 10-Q filings from SEC EDGAR. Returns what was added, replaced,
            unchanged or failed (with the reason), and the passages stored."""
            return await run(lambda: service.ingest(list(paths_or_urls)))

    return server


def _runner(limiter: CapacityLimiter | None) -> Runner:
    async def run(work: Callable[[], Any]) -> Any:
        """A tool's work; a failure the caller can act on becomes a ToolError, whose message
        the client sees."""
        try:
            return await anyio.to_thread.run_sync(work, limiter=limiter)
        except ValidationError as exc:
            raise ToolError(problem(exc)) from None
        except (RequestError, Unavailable) as exc:
            raise ToolError(str(exc)) from None

    return run


def _add_reading_tools(server: MCPServer, service: DossierService, run: Runner) -> None:
    """search, ask and list_documents: they read the store, never change it."""

    @server.tool(annotations=READ_ONLY)
    async def search(query: Query, k: K = None, company: Company = None, ticker: Ticker = None,
               form: Form = None, since: Since = None, until: Until = None,
               doc_ids: DocIds = None) -> list[dict[str, Any]]:
        """Find the passages of the stored filings and articles that match a query, best first
        (hybrid semantic and keyword retrieval), one per page. Each passage has rank, score,
        chunk_id, doc_id, title, source, page (1-based, or null), printed_page (the number printed
        on that page, or null), section, company, ticker, form, period, published, its text and
        statement (the financial statement or section it sits in: cash_flows, balance_sheet,
        income_statement, mdna, ... or null). Use it to read what the documents say about
        something."""
        return await run(lambda: service.search(SearchRequest(
            query=query, k=k, company=company, ticker=ticker, form=form, since=since, until=until,
            doc_ids=doc_ids)))

    @server.tool(annotations=READ_ONLY)
    async def ask(question: Question, k: K = None, company: Company = None, ticker: Ticker = None,
            form: Form = None, since: Since = None, until: Until = None, doc_ids: DocIds = None,
            mode: Mode = None, previous: Previous = None) -> dict[str, Any]:
        """Answer a question from the stored filings and articles, with numbered citations.
        Returns answer (its claims marked [n]), cannot_answer (true when the sources do not hold
        the answer), mode, citations (n, doc_id, title, source, page, printed_page, section, date and the
        verbatim quote), claims (each sentence with its status: supported, unsupported or
        uncited, and any numbers no cited passage holds), summary ('4 of 5 claims supported'),
        scope (the filings the question was resolved to), searched (a follow-up as rewritten
        from `previous`: pass it on as the next call's previous), parts (a comparison of several
        companies or periods, each part with its scope and citations, or said to be missing)
        and notice."""
        return await run(lambda: service.ask(AskRequest(
            question=question, k=k, company=company, ticker=ticker, form=form, since=since,
            until=until, doc_ids=doc_ids, mode=mode, previous=previous)))

    @server.tool(annotations=READ_ONLY)
    async def list_documents() -> list[dict[str, Any]]:
        """The documents in the store: doc_id, title, source, chunks (passages), company,
        ticker, form, period, filed, published and url. doc_id values restrict search and ask."""
        return await run(service.documents)


def serve_stdio(service: DossierService, *, allow_ingest: bool = False) -> None:
    """Serve the tools on stdin/stdout until the client closes them."""
    server = build_server(service, allow_ingest=allow_ingest)
    anyio.run(server.run_stdio_async)


def http_route(server: MCPServer, chat: Any, host: str) -> Route:
    """The streamable-HTTP endpoint at PATH, behind the chat's login (`chat`: its Gradio app).
    `host` is the interface served: on a loopback one, requests naming another host are refused
    (DNS rebinding). The caller runs `server.session_manager.run()` while it is served."""
    endpoint = server.streamable_http_app(streamable_http_path=PATH, host=host)
    return Route(PATH, RequireLogin(endpoint, chat), methods=["GET", "POST", "DELETE"])
