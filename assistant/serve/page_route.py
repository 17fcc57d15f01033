"""The cited page beside the chat, behind its login:

    GET /page-view?chunk=ID&q=QUOTE[&page=N]   the page (a PDF's page N, by default the chunk's)
                                               with the quote boxed, or the stored text with it
                                               marked (HTML)
    GET /page-view/image?chunk=ID&page=N       that PDF page's image (PNG, cached on disk)

Only a stored chunk's own document is shown, and a PDF only from the file that was ingested;
nothing is fetched."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from anyio import CapacityLimiter
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route, request_response

from assistant.page_view import PageViewError, view_pdf_page
from assistant.quote_span import find_span
from assistant.serve import page_view_html
from assistant.serve.login import RequireLogin
from ingest.locations import is_url

if TYPE_CHECKING:
    from assistant.api import Assistant
    from ingest.registry import ChunkRecord, DocRecord

log = logging.getLogger(__name__)

PATH = "/page-view"


class NotShown(Exception):
    """A request the page view answers with a message and a 4xx status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class PageViews:
    def __init__(self, assistant: Assistant, limiter: CapacityLimiter) -> None:
        self.assistant = assistant
        self.limiter = limiter
        self.cache_dir = Path(assistant.settings.store.cache_dir)

    def _cited(self, request: Request) -> tuple[ChunkRecord, DocRecord]:
        chunk_id = request.query_params.get("chunk", "")
        registry = self.assistant.store.registry
        chunk = registry.chunks_by_id([chunk_id]).get(chunk_id)
        if chunk is None:
            raise NotShown(404, "That passage is no longer in the store.")
        record = next((d for d in registry.documents() if d.doc_id == chunk.doc_id), None)
        if record is None:
            raise NotShown(404, "That document is no longer in the store.")
        return chunk, record

    def _pdf(self, record: DocRecord) -> Path | None:
        """The ingested PDF file, when the document is one and it is still there."""
        if is_url(record.source) or not record.source.lower().endswith(".pdf"):
            return None
        path = Path(record.source)
        return path if path.is_file() else None

    def _page(self, request: Request, chunk: ChunkRecord) -> int:
        raw = request.query_params.get("page")
        if raw is None:
            return chunk.page or 1
        try:
            return int(raw)
        except ValueError:
            raise NotShown(400, f"page must be a number, not {raw!r}") from None

    def show(self, request: Request) -> Response:
        chunk, record = self._cited(request)
        quote = request.query_params.get("q", "")
        title = record.meta.title or Path(record.source).name
        pdf = self._pdf(record)
        if pdf is None:
            text = self.assistant.store.registry.document_text(record.doc_id) or ""
            span = find_span(text, quote, near=chunk.start)
            return HTMLResponse(page_view_html.text_html(title, text, span))
        view = view_pdf_page(pdf, self._page(request, chunk), quote,
                             cache_dir=self.cache_dir)
        return HTMLResponse(page_view_html.pdf_page_html(view, title, chunk.chunk_id,
                                                         chunk.page or 1))

    def image(self, request: Request) -> Response:
        chunk, record = self._cited(request)
        pdf = self._pdf(record)
        if pdf is None:
            raise NotShown(404, "That document has no PDF page to show.")
        view = view_pdf_page(pdf, self._page(request, chunk), cache_dir=self.cache_dir)
        return FileResponse(view.image_path, media_type="image/png",
                            headers={"Cache-Control": "private, max-age=3600"})

    def routes(self, chat: Any) -> list[Route]:
        """The routes to add to the chat's app (`chat`: its Gradio app, whose login they use)."""
        return [Route(PATH + suffix, RequireLogin(request_response(self._answer(work)), chat),
                      methods=["GET"]) for suffix, work in (("", self.show), ("/image", self.image))]

    def _answer(self, work: Callable[[Request], Response]) -> Callable[[Request],
                                                                        Awaitable[Response]]:
        async def respond(request: Request) -> Response:
            try:
                response = await anyio.to_thread.run_sync(partial(work, request),
                                                          limiter=self.limiter)
            except NotShown as exc:
                response = HTMLResponse(page_view_html.error_html(str(exc)), exc.status)
            except PageViewError as exc:
                response = HTMLResponse(page_view_html.error_html(str(exc)), 404)
            except Exception:  # the details go to the log, never to the page
                log.exception("%s failed", request.url.path)
                response = HTMLResponse(page_view_html.error_html(
                    "The page could not be shown; the server's log says why."), 500)
            response.headers["Content-Security-Policy"] = page_view_html.CONTENT_SECURITY_POLICY
            response.headers["X-Content-Type-Options"] = "nosniff"
            return response

        return respond
