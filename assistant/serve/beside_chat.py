"""The JSON API, the cited page view (page_route.py), and with `dossier chat --mcp` the MCP
endpoint, added to the chat's own server: a lifespan for Gradio's app that adds their routes
before the first request and runs the MCP sessions while the app is served."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any

from anyio import CapacityLimiter

from assistant.serve.http_api import JsonApi
from assistant.serve.page_route import PageViews
from assistant.serve.service import DossierService

if TYPE_CHECKING:
    from assistant.api import Assistant

Lifespan = Callable[[Any], AbstractAsyncContextManager[None]]


def serve_beside_chat(assistant: Assistant, *, host: str, concurrency: int, mcp: bool = False,
                      allow_ingest: bool = False) -> Lifespan:
    """The lifespan to give Gradio's app (`app_kwargs={"lifespan": ...}`): the API's routes at
    /api/..., and when `mcp` the MCP tools at /mcp (`ingest` too when `allow_ingest`); `host`
    is the interface the chat binds, `concurrency` how many API and MCP requests run at once."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        service = DossierService(assistant)
        limiter = CapacityLimiter(concurrency)  # shared by the API and the MCP tools
        routes = JsonApi(service, limiter).routes(app) + PageViews(assistant, limiter).routes(app)
        if not mcp:
            app.router.routes[:0] = routes
            yield
            return
        from assistant.serve.mcp import build_server, http_route

        server = build_server(service, allow_ingest=allow_ingest, limiter=limiter)
        app.router.routes[:0] = [*routes, http_route(server, app, host)]
        async with server.session_manager.run():
            yield

    return lifespan
