"""The MCP server (assistant/serve/mcp.py) driven by the official MCP client: over stdio
(spawning `python -m assistant.cli mcp`) and over streamable HTTP at /mcp beside the running
chat, against a real store. Needs the `mcp` extra; skips with the reason without it."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from typer.testing import CliRunner

from assistant import Assistant
from assistant.cli import app as cli
from ingest.embeddings import LocalMiniLM
from tests.conftest import FIXTURES
from tests.helpers import free_port

QUESTION = "How much is Alibaba investing in AI and cloud infrastructure?"
REPO = Path(__file__).resolve().parent.parent
READ_TOOLS = {"search", "ask", "list_documents"}

Session = Any  # mcp.ClientSession, imported only when the extra is installed


@pytest.fixture(scope="module")
def mcp_sdk() -> Any:
    return pytest.importorskip("mcp", reason="the MCP SDK is the mcp extra: pip install 'dossier[mcp]'")


@pytest.fixture(scope="module")
def home(two_document_store: Path) -> Path:
    return two_document_store


def _stdio(home: Path, *args: str, use: Callable[[Session], Awaitable[None]]) -> None:
    """Spawn `python -m assistant.cli mcp ARGS` on the store at `home`, open an MCP session on
    its stdin/stdout with the official client, and run `use` on it."""
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    server = StdioServerParameters(
        command=sys.executable, args=["-m", "assistant.cli", "mcp", *args], cwd=home.parent,
        env={"DOSSIER_HOME": str(home), "PYTHONPATH": str(REPO)})  # no LLM endpoint: extractive

    async def run() -> None:
        with open(os.devnull, "w") as quiet:
            async with stdio_client(server, errlog=quiet) as (read, write), \
                    ClientSession(read, write, read_timeout_seconds=180) as session:
                await session.initialize()
                await use(session)

    anyio.run(run)


def _http(url: str, use: Callable[[Session], Awaitable[None]],
          auth: tuple[str, str] | None = None) -> None:
    import httpx2
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def run() -> None:
        async with httpx2.AsyncClient(auth=auth, timeout=180) as http, \
                streamable_http_client(url, http_client=http) as (read, write), \
                ClientSession(read, write) as session:
            await session.initialize()
            await use(session)

    anyio.run(run)


async def _call(session: Session, tool: str, **arguments: Any) -> Any:
    """A tool's structured result; fails the test when the tool reports an error."""
    result = await session.call_tool(tool, arguments)
    assert not result.is_error, result.content
    content = result.structured_content
    return content["result"] if set(content) == {"result"} else content


async def _error(session: Session, tool: str, **arguments: Any) -> str:
    result = await session.call_tool(tool, arguments)
    assert result.is_error
    return " ".join(block.text for block in result.content)


def _assert_cited(answer: dict[str, Any], documents: list[dict[str, Any]], home: Path) -> None:
    """Citations came back, each of a listed document, its quote verbatim in that document."""
    assert not answer["cannot_answer"] and answer["citations"]
    listed = {d["doc_id"] for d in documents}
    with Assistant(home=home) as a:  # the store's own text, read back
        for citation in answer["citations"]:
            assert citation["doc_id"] in listed
            text = " ".join((a.store.registry.document_text(citation["doc_id"]) or "").split())
            assert " ".join(citation["quote"].split()) in text


def test_stdio_serves_search_ask_and_documents(mcp_sdk: Any, home: Path) -> None:
    seen: dict[str, Any] = {}

    async def use(session: Session) -> None:
        tools = {t.name: t for t in (await session.list_tools()).tools}
        seen["tools"] = tools
        seen["documents"] = await _call(session, "list_documents")
        seen["search"] = await _call(session, "search", query=QUESTION, k=3, ticker="BABA")
        seen["ask"] = await _call(session, "ask", question=QUESTION)
        seen["bad dates"] = await _error(session, "search", query="AI", since="2024-06-01",
                                         until="2024-01-01")
        seen["bad k"] = await _error(session, "search", query="AI", k=0)
        seen["ingest"] = await _error(session, "ingest",
                                      paths_or_urls=[str(FIXTURES / "ALC_6-K_2023-02-13.html")])

    _stdio(home, use=use)
    tools = seen["tools"]
    assert set(tools) == READ_TOOLS  # read-only: no ingest without --allow-ingest
    for tool in tools.values():
        assert len(tool.description or "") > 80 and tool.annotations.read_only_hint
    search = tools["search"].input_schema
    assert search["required"] == ["query"]
    assert set(search["properties"]) >= {"query", "k", "company", "form", "since", "until"}
    assert search["properties"]["k"]["anyOf"][0] == {"type": "integer", "minimum": 1, "maximum": 100}
    assert search["properties"]["since"]["anyOf"][0] == {"type": "string", "format": "date"}
    assert all(p.get("description") for p in search["properties"].values())
    ask = tools["ask"].input_schema  # a follow-up names the previous question as searched
    assert "previous" in ask["properties"] and "follow-up" in ask["properties"]["previous"]["description"]

    assert {d["ticker"] for d in seen["documents"]} == {"BABA", "BKE"}
    passages = seen["search"]
    assert len(passages) == 3 and {p["ticker"] for p in passages} == {"BABA"}
    assert set(passages[0]) == {"rank", "score", "chunk_id", "doc_id", "title", "source", "page",
                                "printed_page", "section", "company", "ticker", "form", "period", "published",
                                "text", "statement"}
    _assert_cited(seen["ask"], seen["documents"], home)
    assert "since (2024-06-01) is after until (2024-01-01)" in seen["bad dates"]
    assert "k" in seen["bad k"] and "greater than or equal to 1" in seen["bad k"]
    assert "Unknown tool: ingest" in seen["ingest"]


def test_stdio_ingest_only_with_allow_ingest(mcp_sdk: Any, home: Path,
                                             tmp_path: Path) -> None:
    own = tmp_path / "home"
    shutil.copytree(home, own)  # this test adds a document: to a copy of the store
    added = FIXTURES / "BKE_8-K_2024-11-22.html"
    seen: dict[str, Any] = {}

    async def use(session: Session) -> None:
        seen["tools"] = {t.name for t in (await session.list_tools()).tools}
        seen["report"] = await _call(session, "ingest",
                                     paths_or_urls=[str(added), str(tmp_path / "missing.pdf")])
        seen["documents"] = await _call(session, "list_documents")

    _stdio(own, "--allow-ingest", use=use)
    assert seen["tools"] == READ_TOOLS | {"ingest"}
    report = seen["report"]
    assert report["added"] == [str(added)] and report["chunks"] > 0
    assert [f["source"] for f in report["failed"]] == [str(tmp_path / "missing.pdf")]
    assert str(added) in {d["source"] for d in seen["documents"]}
    assert len(seen["documents"]) == 3


@pytest.fixture(scope="module")
def chat_store(home: Path, minilm: LocalMiniLM) -> Iterator[Assistant]:
    with Assistant(home=home, embedder=minilm) as a:
        yield a


def _launch(assistant: Assistant, **launch: Any) -> Any:
    from assistant.ui.app import ChatApp

    app = ChatApp(assistant, mcp=True)
    port = free_port()
    app.launch(server_port=port, prevent_thread_lock=True, quiet=True, **launch)
    return app, f"http://127.0.0.1:{port}/mcp"


def test_streamable_http_beside_the_chat(mcp_sdk: Any, chat_store: Assistant, home: Path) -> None:
    app, url = _launch(chat_store)
    seen: dict[str, Any] = {}

    async def use(session: Session) -> None:
        seen["tools"] = {t.name for t in (await session.list_tools()).tools}
        seen["documents"] = await _call(session, "list_documents")
        seen["ask"] = await _call(session, "ask", question=QUESTION)
        seen["ingest"] = await _error(session, "ingest", paths_or_urls=[str(FIXTURES)])

    try:
        _http(url, use)
        # served on 127.0.0.1: a request naming another host (DNS rebinding) is refused
        assert httpx.post(url, json={}, headers={"host": "evil.example"}).status_code == 421
    finally:
        app.close()
    assert seen["tools"] == READ_TOOLS
    assert seen["ask"] == json.loads(json.dumps(chat_store.ask(QUESTION).json_contract()))
    _assert_cited(seen["ask"], seen["documents"], home)
    assert "Unknown tool: ingest" in seen["ingest"]
    assert len(chat_store.documents()) == 2


def test_streamable_http_behind_the_chat_login(mcp_sdk: Any, chat_store: Assistant) -> None:
    app, url = _launch(chat_store, auth=[("ana", "pw-1")])
    seen: dict[str, Any] = {}

    async def use(session: Session) -> None:
        seen["documents"] = await _call(session, "list_documents")

    try:
        refused = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        assert refused.status_code == 401 and "sign in" in refused.json()["error"]
        _http(url, use, auth=("ana", "pw-1"))
    finally:
        app.close()
    assert len(seen["documents"]) == 2


@pytest.mark.parametrize("command", [["mcp"], ["chat", "--mcp"]])
def test_without_the_extra_the_command_names_it(command: list[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mcp", None)  # as if `pip install dossier` without [mcp]
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 2
    assert "pip install 'dossier[mcp]'" in " ".join(result.output.split())


def test_allow_ingest_is_for_the_mcp_tools() -> None:
    result = CliRunner().invoke(cli, ["chat", "--allow-ingest"])
    assert result.exit_code == 2 and "add --mcp" in result.output
