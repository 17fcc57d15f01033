"""The API key never leaks: a planted OPENAI_API_KEY is sent to the (local, fake) endpoint, which
echoes it back in its error bodies the way real servers do ("Incorrect API key provided: sk-..."),
and must then appear nowhere: not in the CLI's stdout/stderr (also with -v and on error paths),
not in any file under DOSSIER_HOME, not in the chat's page, config or answers. And the chat binds
127.0.0.1 unless told otherwise."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.load import ask_once, running_chat
from tests.conftest import FIXTURES
from tests.helpers import LocalHTTPServer, QuietHandler

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent
KEY = f"sk-planted-{secrets.token_hex(16)}"


class _FakeOpenAI(QuietHandler):
    """Every call fails, echoing the bearer token: 401 for model 'm-401' and for embeddings,
    400 otherwise."""

    seen: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        self.seen.append(token)
        status = 401 if body.get("model") == "m-401" or self.path.endswith("/embeddings") else 400
        message = (f"Incorrect API key provided: {token}" if status == 401
                   else f"Invalid request from key {token}: the model is overloaded")
        data = json.dumps({"error": {"message": message, "type": "invalid_request_error",
                                     "code": "invalid_api_key", "param": None}}).encode()
        self.reply(status, data, "application/json")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with LocalHTTPServer(_FakeOpenAI) as server:
        yield f"{server.url}/v1"


def secret_env(endpoint: str, model: str = "m-400", **extra: str) -> dict[str, str]:
    return {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": endpoint, "DOSSIER_LLM_MODEL": model,
            "DOSSIER_LLM_TIMEOUT_S": "10", "COLUMNS": "2000", **extra}


def dossier(home: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "DOSSIER_HOME": str(home), **env}
    full.pop("DOSSIER_CHROMA_URL", None)
    full["NO_PROXY"] = full["no_proxy"] = "127.0.0.1,localhost"
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=full, cwd=REPO,
                          capture_output=True, text=True, timeout=300, check=False)


def assert_no_key_in_folder(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), f"the key is in {path}"


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    assert KEY not in result.stdout, result.stdout
    assert KEY not in result.stderr, result.stderr
    assert "sk-planted" not in result.stdout + result.stderr


def test_the_key_never_reaches_output_or_the_store(tmp_path: Path, endpoint: str) -> None:
    home = tmp_path / "home"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "alibaba.txt").write_bytes((FIXTURES / "alibaba-ai-investment-2025.txt").read_bytes())
    (corpus / "broken.pdf").write_bytes(b"not a pdf")
    env = secret_env(endpoint, "m-401")
    question = "How much is Alibaba investing in AI and cloud infrastructure?"
    runs = {
        "ingest -v (one input fails)": dossier(home, env, "-v", "ingest", str(corpus)),
        "search -v": dossier(home, env, "-v", "search", "Alibaba cloud", "--json"),
        "status -v": dossier(home, env, "-v", "status", "--json"),
        "ask --json (extractive)": dossier(home, env, "ask", question, "--json",
                                           "--mode", "extractive"),
        "ask -v, endpoint answers 401 with the key": dossier(
            home, secret_env(endpoint, "m-401"), "-v", "ask", question, "--mode", "llm"),
        "ingest -v, remote embeddings answer 401": dossier(
            tmp_path / "remote", secret_env(endpoint, DOSSIER_EMBEDDING_BACKEND="openai"),
            "-v", "ingest", str(corpus / "alibaba.txt")),
    }
    assert runs["ingest -v (one input fails)"].returncode == 1
    assert runs["ingest -v, remote embeddings answer 401"].returncode != 0
    for name, result in runs.items():
        if "remote embeddings" not in name:  # that one still ends in a traceback (no key in it)
            assert "Traceback" not in result.stderr, (name, result.stderr[-3000:])
        try:
            assert_clean(result)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None
    assert KEY in _FakeOpenAI.seen, "the endpoint never got the key: the test tested nothing"
    assert_no_key_in_folder(home)
    assert_no_key_in_folder(tmp_path / "remote")


def test_an_endpoint_that_echoes_the_key_in_a_400_does_not_leak_it(
    tmp_path: Path, endpoint: str
) -> None:
    home = tmp_path / "home"
    env = secret_env(endpoint, "m-400")
    result = dossier(home, env, "ingest", str(FIXTURES / "alibaba-ai-investment-2025.txt"))
    assert result.returncode == 0, result.stderr
    asked = dossier(home, env, "-v", "ask", "How much is Alibaba investing in AI?", "--mode", "llm")
    assert "Traceback" not in asked.stderr
    assert_clean(asked)


@pytest.mark.parametrize("model", ["m-401", "m-400"])
def test_the_chat_page_and_answers_never_show_the_key(
    tmp_path: Path, endpoint: str, model: str
) -> None:
    pytest.importorskip("gradio_client", reason="gradio_client comes with gradio")
    from gradio_client import Client

    home = tmp_path / "home"
    result = dossier(home, secret_env(endpoint, model), "ingest",
                     str(FIXTURES / "alibaba-ai-investment-2025.txt"))
    assert result.returncode == 0, result.stderr
    with running_chat(home, secret_env(endpoint, model)) as (url, proc):
        with httpx.Client(base_url=url, timeout=60, trust_env=False) as client:
            for path in ("", "config", "gradio_api/info", "gradio_api/openapi.json"):
                page = client.get(path)
                assert KEY not in page.text, path
        chat = Client(url, verbose=False, httpx_kwargs={"trust_env": False, "timeout": 300})
        shown = ask_once(chat, "How much is Alibaba investing in AI and cloud infrastructure?")
        assert shown and KEY not in shown and "sk-planted" not in shown
    printed = "".join(proc.output)  # type: ignore[attr-defined]
    assert KEY not in printed, printed[-3000:]
    assert_no_key_in_folder(home)


def _outward_address() -> str | None:
    """This machine's non-loopback address, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            address = str(s.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_the_chat_binds_loopback_by_default(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    assert "127.0.0.1" in " ".join(CliRunner().invoke(app, ["chat", "--help"]).output.split())
    address = _outward_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to try the chat on")
    home = tmp_path / "home"
    result = dossier(home, {}, "ingest", str(FIXTURES / "alibaba-ai-investment-2025.txt"))
    assert result.returncode == 0, result.stderr
    with running_chat(home) as (url, _):
        port = int(url.rsplit(":", 1)[1].strip("/"))
        assert httpx.get(url, timeout=30, trust_env=False).status_code == 200
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://{address}:{port}/", timeout=10, trust_env=False)
