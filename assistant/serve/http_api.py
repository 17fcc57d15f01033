"""The JSON HTTP API beside the chat, for scripts. Same shapes as the CLI's `--json`:

    POST /api/search     {"query": "...", "k": 5, "company": ..., "form": ..., "since": ...}
                         → [{rank, score, chunk_id, doc_id, title, source, page, ..., text}]
    POST /api/ask        {"question": "...", ...the same filters, "mode": ...}
                         → {answer, cannot_answer, mode, citations, claims, summary, ...}
    GET  /api/documents  → [{doc_id, title, source, chunks, company, form, ...}]

Behind the chat's login (`login.RequireLogin`). A request that cannot be served gets a JSON
error `{"error": "what is wrong"}`: 400 (not JSON, or the assistant refused it), 401 (not signed
in), 415 (not sent as application/json), 422 (a field is missing or invalid, named in the
message), 503 (the store or the LLM cannot serve now)."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, request_response

from assistant.serve.login import RequireLogin
from assistant.serve.service import (
    AskRequest,
    DossierService,
    RequestError,
    SearchRequest,
    Unavailable,
    problem,
)

log = logging.getLogger(__name__)

PREFIX = "/api"
Body = TypeVar("Body", bound=BaseModel)


class Refused(Exception):
    """A request answered with a JSON error and a 4xx/5xx status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def read_body(request: Request, model: type[Body]) -> Body:
    """The request's JSON object, checked against `model`. Only a JSON content type is read:
    a web page cannot send one to another site without the browser asking first (CORS)."""
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind != "application/json":
        raise Refused(415, f"the body must be JSON, sent with Content-Type: application/json "
                           f"(not {kind or 'none'})")
    raw = await request.body()
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Refused(400, f"the body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        fields = ", ".join(sorted(model.model_fields))
        raise Refused(422, f"the body must be a JSON object with the fields {fields}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Refused(422, problem(exc)) from None


class JsonApi:
    """The API's endpoints over one service; blocking work runs in worker threads, at most
    `limiter`'s number at once."""

    def __init__(self, service: DossierService, limiter: CapacityLimiter) -> None:
        self.service = service
        self.limiter = limiter

    async def search(self, request: Request) -> Any:
        body = await read_body(request, SearchRequest)
        return await self._run(self.service.search, body)

    async def ask(self, request: Request) -> Any:
        body = await read_body(request, AskRequest)
        return await self._run(self.service.ask, body)

    async def documents(self, _request: Request) -> Any:
        return await self._run(self.service.documents)

    async def _run(self, work: Callable[..., Any], *args: Any) -> Any:
        return await anyio.to_thread.run_sync(partial(work, *args), limiter=self.limiter)

    def routes(self, chat: Any) -> list[Route]:
        """The routes to add to the chat's app (`chat`: its Gradio app, whose login they use)."""
        endpoints: list[tuple[str, str, Callable[[Request], Awaitable[Any]]]] = [
            ("/search", "POST", self.search),
            ("/ask", "POST", self.ask),
            ("/documents", "GET", self.documents),
        ]
        return [Route(PREFIX + path, RequireLogin(request_response(_as_json(endpoint)), chat),
                      methods=[method]) for path, method, endpoint in endpoints]


def _as_json(endpoint: Callable[[Request], Awaitable[Any]]) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint's result as a JSON response, and each failure as a JSON error."""

    async def respond(request: Request) -> Response:
        try:
            return JSONResponse(await endpoint(request))
        except Refused as exc:
            return JSONResponse({"error": str(exc)}, status_code=exc.status)
        except RequestError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        except Unavailable as exc:
            return JSONResponse({"error": str(exc)}, status_code=503)
        except Exception:  # the details go to the log, never to the caller
            log.exception("%s %s failed", request.method, request.url.path)
            return JSONResponse({"error": "the server failed to answer; its log says why"},
                                status_code=500)

    return respond
