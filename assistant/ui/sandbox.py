"""The header that keeps served HTML originals from running scripts in the app's origin."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.middleware import Middleware

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class SandboxOriginals:
    """ASGI middleware: originals served from the file route that a browser would run (HTML,
    SVG) get `Content-Security-Policy: sandbox`, so a filing or article cannot script the app."""

    SUFFIXES = (".html", ".htm", ".xhtml", ".svg", ".xml")

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    @classmethod
    def middleware(cls) -> Middleware:
        return Middleware(cls)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", "")) if scope.get("type") == "http" else ""
        if "/file=" not in path or not path.lower().endswith(self.SUFFIXES):
            await self.app(scope, receive, send)
            return

        async def send_sandboxed(message: Message) -> None:
            if message.get("type") == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"content-security-policy", b"sandbox"))
                headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_sandboxed)
