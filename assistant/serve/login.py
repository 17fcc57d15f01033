"""The chat's login, in front of the JSON API and the MCP endpoint: when DOSSIER_AUTH is on, a
request passes with the session cookie the chat's own sign-in (`POST /login`) sets, or with HTTP
Basic credentials of the same users (handier for scripts and MCP clients). Gradio keeps the
users and the signed-in sessions on its app; this reads them there, so there is one login."""

from __future__ import annotations

import base64
import binascii
import hmac
import inspect
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

NOT_SIGNED_IN = ("sign in first: send HTTP Basic credentials (user:password from DOSSIER_AUTH), "
                 "or POST /login with username and password and send its cookie back")


async def signed_in(request: Request, chat: Any) -> bool:
    """Whether the request may pass the login of the chat's Gradio app `chat`."""
    users = chat.auth
    if chat.auth_dependency is not None:  # a login of the embedding app's own (Gradio's hook)
        user = chat.auth_dependency(request)
        return (await user if inspect.isawaitable(user) else user) is not None
    if users is None:
        return True
    cookie = (request.cookies.get(f"access-token-{chat.cookie_id}")
              or request.cookies.get(f"access-token-unsecure-{chat.cookie_id}"))
    if cookie and cookie in chat.tokens:
        return True
    credentials = basic_credentials(request.headers.get("authorization", ""))
    if credentials is None:
        return False
    user, password = credentials
    if callable(users):
        allowed = users(user, password)
        return bool(await allowed if inspect.isawaitable(allowed) else allowed)
    known = users.get(user)
    return known is not None and hmac.compare_digest(password.encode(), known.encode())


def basic_credentials(header: str) -> tuple[str, str] | None:
    """(user, password) from an 'Authorization: Basic …' header, or None."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


class RequireLogin:
    """ASGI wrapper: `inner` is reached only by requests that pass the chat's login; others get
    401 with a JSON error saying how to sign in."""

    def __init__(self, inner: ASGIApp, chat: Any) -> None:
        self.inner = inner
        self.chat = chat

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not await signed_in(Request(scope), self.chat):
            response = JSONResponse({"error": NOT_SIGNED_IN}, status_code=401,
                                    headers={"WWW-Authenticate": 'Basic realm="Dossier"'})
            await response(scope, receive, send)
            return
        await self.inner(scope, receive, send)
