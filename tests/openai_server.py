"""A small OpenAI-compatible chat server for tests: real HTTP on 127.0.0.1, scripted per test.

    with ScriptedOpenAI() as server:
        server.script(Reply("Sales were $5 million [1]."), Status(429), Reply("..."))
        settings = load_settings(llm={"base_url": server.base_url, "model": "test-model"})

Each POST /v1/chat/completions takes the next step of the script (the last step repeats) and is
recorded in `server.requests` (the JSON body). Streams are server-sent events, as OpenAI sends
them; `Broken` sends part of a stream and drops the connection; `Hang` answers nothing until the
client gives up.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.helpers import LocalHTTPServer, QuietHandler


@dataclass
class Reply:
    text: str | Callable[[dict[str, Any]], str]  # or made from the request body
    finish_reason: str = "stop"
    pieces: int = 0  # streamed in this many pieces; 0: one piece per word


@dataclass
class Status:
    code: int
    message: str = "scripted error"
    headers: dict[str, str] = field(default_factory=lambda: {"retry-after-ms": "10"})


@dataclass
class Hang:
    seconds: float = 30.0


@dataclass
class Broken:
    text: str  # sent as stream pieces, then the connection drops without an end


Step = Reply | Status | Hang | Broken


class ScriptedOpenAI:
    def __init__(self, model: str = "test-model") -> None:
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._steps: list[Step] = [Reply("No script was given.")]
        self._next = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = LocalHTTPServer(self._handler())

    @property
    def base_url(self) -> str:
        return f"{self._server.url}/v1"

    def script(self, *steps: Step) -> None:
        with self._lock:
            self._steps = list(steps)
            self._next = 0
            self.requests.clear()
            self.headers.clear()

    def take(self, body: dict[str, Any], headers: dict[str, str]) -> Step:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            step = self._steps[min(self._next, len(self._steps) - 1)]
            self._next += 1
            return step

    def __enter__(self) -> ScriptedOpenAI:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.stop()

    def hang(self, seconds: float) -> None:
        """Answer nothing for `seconds`, or until the server stops."""
        self._stop.wait(seconds)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        scripted = self

        class Handler(_ChatHandler):
            server_script = scripted

        return Handler


class _ChatHandler(QuietHandler):
    """GET /v1/models and POST /v1/chat/completions, answered from a ScriptedOpenAI's script
    (`server_script`, set by the subclass each ScriptedOpenAI makes for itself)."""

    protocol_version = "HTTP/1.1"
    server_script: ScriptedOpenAI

    def do_GET(self) -> None:  # noqa: N802 (stdlib's name)
        if self.path.rstrip("/").endswith("/models"):
            model = self.server_script.model
            self._json(200, {"object": "list", "data": [{"id": model, "object": "model"}]})
        else:
            self._json(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:  # noqa: N802 (stdlib's name)
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if not self.path.endswith("/chat/completions"):
            self._json(404, {"error": {"message": f"no route {self.path}"}})
            return
        self._answer(self.server_script.take(body, {k.lower(): v for k, v in self.headers.items()}), body)

    def _answer(self, step: Step, body: dict[str, Any]) -> None:
        """The script's next step, played: an error status, a hang, a broken or a whole reply."""
        model = self.server_script.model
        if isinstance(step, Status):
            error = {"message": step.message, "type": "error", "code": step.code}
            self._json(step.code, {"error": error}, step.headers)
        elif isinstance(step, Hang):
            self.server_script.hang(step.seconds)
            self.close_connection = True
        elif isinstance(step, Broken):
            self._stream(step.text, None, broken=True)
        elif body.get("stream"):
            self._stream(_text(step, body), step.finish_reason, pieces=step.pieces)
        else:
            self._json(200, _completion(model, _text(step, body), step.finish_reason))

    def _json(self, code: int, payload: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, text: str, finish: str | None, *, broken: bool = False,
                pieces: int = 0) -> None:
        model = self.server_script.model
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for piece in _pieces(text, pieces):
            self._chunk(_event(model, {"content": piece}, None))
            time.sleep(0.001)
        if broken:
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)  # mid-body: the client sees a cut stream
            return
        self._chunk(_event(model, {}, finish))
        self._chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


# /v1/embeddings ---------------------------------------------------------------------------------
FAKE_DIM = 8


def fake_vector(text: str) -> list[float]:
    """Deterministic per text, deliberately not normalised."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return [1.0 + b / 32 for b in digest[:FAKE_DIM]]


def embeddings_reply(body: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's answer to an embeddings request, its items in reverse order: clients must order
    by "index", not by position."""
    data = [{"object": "embedding", "index": i, "embedding": fake_vector(t)}
            for i, t in enumerate(body["input"])]
    return {"object": "list", "data": data[::-1], "model": body["model"],
            "usage": {"prompt_tokens": 1, "total_tokens": 1}}


class EmbeddingsStub(QuietHandler):
    """POST /v1/embeddings with fake_vector's vectors; anything else 404."""

    def do_POST(self) -> None:  # noqa: N802 (stdlib's name)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        if self.path != "/v1/embeddings":
            self.reply(404, b'{"error": {"message": "not found"}}', "application/json")
            return
        self.reply(200, json.dumps(embeddings_reply(body)).encode(), "application/json")


def _text(step: Reply, body: dict[str, Any]) -> str:
    return step.text(body) if callable(step.text) else step.text


def prompt_of(body: dict[str, Any]) -> str:
    """The user message of a chat request."""
    return next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")


def _pieces(text: str, count: int) -> list[str]:
    if count <= 0:
        words = text.split(" ")
        return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]
    size = max(1, -(-len(text) // count))
    return [text[i:i + size] for i in range(0, len(text), size)]


def _event(model: str, delta: dict[str, str], finish: str | None) -> bytes:
    chunk = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0, "model": model,
             "choices": [{"index": 0, "delta": {"role": "assistant", **delta},
                          "finish_reason": finish}]}
    return f"data: {json.dumps(chunk)}\n\n".encode()


def _completion(model: str, text: str, finish: str) -> dict[str, Any]:
    return {"id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": finish}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
