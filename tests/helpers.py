"""Test infrastructure shared by the suite: a free port, a local HTTP server in a thread, the
environment of a `dossier` subprocess, and a word-overlap F1 for extracted text.

    class Pages(QuietHandler):
        def do_GET(self) -> None:
            self.reply(200, b"hello", "text/plain")

    with LocalHTTPServer(Pages) as server:   # or the `http_server` fixture of conftest.py
        httpx.get(f"{server.url}/any", trust_env=False)
"""

from __future__ import annotations

import os
import re
import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listened on a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    """This environment for a `dossier` subprocess on `home`, offline: no LLM endpoint or key,
    no Chroma server, whatever the shell running the tests has set."""
    out = {**os.environ, "DOSSIER_HOME": str(home), **extra}
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "DOSSIER_CHROMA_URL"):
        out.pop(name, None)
    return out


def word_f1(predicted: str, expected: str) -> float:
    """F1 of the words (lower-cased) two texts share: how close extracted text is to the expected."""
    got = Counter(re.findall(r"\w+", predicted.lower()))
    want = Counter(re.findall(r"\w+", expected.lower()))
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def without_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx honours proxy variables; a local test server must be reached directly."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that logs nothing and answers in one call."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib's name)
        pass

    def reply(self, status: int, body: bytes, content_type: str = "text/html",
              headers: dict[str, str] | None = None) -> None:
        """Status, headers and body; a client that gave up meanwhile (a timeout test) is fine."""
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that give up (timeouts, dropped streams) are what the tests script


class LocalHTTPServer:
    """``handler`` behind a threading HTTP server on 127.0.0.1 and a free port. The port is taken
    at once (``url`` is known); requests are served between ``start`` and ``stop``, or inside a
    ``with`` block."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.port = int(self._server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalHTTPServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalHTTPServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
