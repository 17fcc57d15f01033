"""The local llama.cpp server's start-up and shutdown (`local_llm.running_server`), with stand-in
server commands, so that this runs without the optional `local-llm` extra."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

from assistant.answer import local_llm

# A stand-in for llama.cpp's server: answers GET /v1/models on the port it is given.
MODELS_SERVER = """
import http.server, json, sys
class Models(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"data": [{"id": "smollm2"}]}).encode()
        self.send_response(200 if self.path == "/v1/models" else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
print("stand-in server up", flush=True)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Models).serve_forever()
"""


def use_command(monkeypatch: pytest.MonkeyPatch, make: object) -> None:
    monkeypatch.setattr(local_llm, "server_command", make)


def test_running_server_yields_its_url_and_stops_it(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    use_command(monkeypatch, lambda port, threads, n_ctx: [sys.executable, "-c", MODELS_SERVER,
                                                           str(port)])
    log = tmp_path / "server.log"
    with local_llm.running_server(log, start_timeout_s=30) as base_url:
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        assert httpx.get(f"{base_url}/models", timeout=5).json()["data"][0]["id"] == "smollm2"
    with pytest.raises(httpx.TransportError):  # stopped on exit
        httpx.get(f"{base_url}/models", timeout=2)
    assert "stand-in server up" in log.read_text()


def test_a_server_that_exits_is_reported_with_its_log(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    use_command(monkeypatch, lambda port, threads, n_ctx: [
        sys.executable, "-c", "import sys; print('error: no model file'); sys.exit(3)"])
    with (pytest.raises(local_llm.LocalServerError, match="exited:\n.*no model file"),
          local_llm.running_server(tmp_path / "server.log", start_timeout_s=30)):
        pass


def test_a_server_that_never_answers_times_out(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    use_command(monkeypatch, lambda port, threads, n_ctx: [
        sys.executable, "-c", "import time; time.sleep(60)"])
    log = tmp_path / "server.log"
    with (pytest.raises(local_llm.LocalServerError, match=r"did not start within 2 s; its log: "),
          local_llm.running_server(log, start_timeout_s=2)):
        pass
