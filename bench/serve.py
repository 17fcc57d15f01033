"""How fast Dossier answers other programs: `dossier mcp` from spawn to its tools listed, and the
latency of search, ask and list_documents over MCP stdio, MCP streamable HTTP (/mcp beside the
chat) and the JSON API, on the store in DOSSIER_HOME (extractive answers unless an LLM is set).

    DOSSIER_HOME=/path/to/store python -m bench.serve [--calls 5] [--question "..."]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx

from assistant import Assistant
from bench.common import REPO, free_port

QUESTION = "How much is Alibaba investing in AI and cloud infrastructure?"


def _line(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    return (f"{name:<34} median {statistics.median(ms):7.0f} ms   min {ms[0]:6.0f}   "
            f"max {ms[-1]:6.0f}   ({len(ms)} calls)")


def _calls(question: str) -> list[tuple[str, dict[str, Any]]]:
    return [("search", {"query": question, "k": 5}), ("ask", {"question": question}),
            ("list_documents", {})]


async def _time_tools(session: Any, transport: str, question: str, calls: int) -> None:
    for tool, arguments in _calls(question):
        seconds = []
        for _ in range(calls):
            start = time.perf_counter()
            result = await session.call_tool(tool, arguments)
            seconds.append(time.perf_counter() - start)
            assert not result.is_error, result.content
        print(_line(f"MCP {transport} {tool}", seconds))


def mcp_stdio(question: str, calls: int) -> None:
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    server = StdioServerParameters(command=sys.executable, args=["-m", "assistant.cli", "mcp"],
                                   env={**os.environ, "PYTHONPATH": str(REPO)})

    async def run() -> None:
        start = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            async with stdio_client(server, errlog=quiet) as (read, write), \
                    ClientSession(read, write) as session:
                await session.initialize()
                await session.list_tools()
                print(f"{'dossier mcp: spawn to tools listed':<34} {time.perf_counter() - start:7.2f} s")
                await _time_tools(session, "stdio", question, calls)

    anyio.run(run)


def beside_chat(question: str, calls: int) -> None:
    """The chat with --mcp on a free port: the JSON API, then MCP over streamable HTTP."""
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    from assistant.ui.app import ChatApp

    port = free_port()
    app = ChatApp(Assistant(), mcp=True)
    app.launch(server_port=port, prevent_thread_lock=True, quiet=True)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=300) as client:
            requests: list[tuple[str, Callable[[], httpx.Response]]] = [
                ("POST /api/search", lambda: client.post("/api/search",
                                                         json={"query": question, "k": 5})),
                ("POST /api/ask", lambda: client.post("/api/ask", json={"question": question})),
                ("GET /api/documents", lambda: client.get("/api/documents")),
            ]
            for name, request in requests:
                seconds = []
                for _ in range(calls):
                    start = time.perf_counter()
                    request().raise_for_status()
                    seconds.append(time.perf_counter() - start)
                print(_line(f"JSON API {name}", seconds))

        async def run(use: Callable[[Any], Awaitable[None]]) -> None:
            async with streamable_http_client(f"{base}/mcp") as (read, write), \
                    ClientSession(read, write) as session:
                await session.initialize()
                await use(session)

        anyio.run(run, lambda session: _time_tools(session, "HTTP", question, calls))
    finally:
        app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5, help="Calls per tool or endpoint.")
    parser.add_argument("--question", default=QUESTION, help="Asked and searched.")
    args = parser.parse_args()
    if not os.environ.get("DOSSIER_HOME"):
        parser.error("set DOSSIER_HOME to the store to measure")
    mcp_stdio(args.question, args.calls)
    beside_chat(args.question, args.calls)


if __name__ == "__main__":
    main()
