"""Servers in their own processes on 127.0.0.1 and a free port, each ready when its health URL
answers: `chroma run` (chromadb's own server) and the OpenAI-compatible embedding server of
bench/embedding_server.py. Used by bench/writers.py and by the tests' `chroma_server` fixture.

    with chroma_run(folder) as chroma, embedding_server(folder) as embeddings:
        env = {"DOSSIER_CHROMA_URL": chroma.url, "DOSSIER_EMBEDDING_BASE_URL": embeddings.url + "/v1"}
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.common import REPO, free_port

CHROMA, EMBEDDING = "`chroma run`", "the embedding server"  # RunningServer.name


class ServerStartError(RuntimeError):
    pass


@dataclass
class RunningServer:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def chroma_executable() -> str | None:
    """chromadb's `chroma` command, beside this Python first."""
    return shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")


def stop(process: subprocess.Popen[Any], timeout: float = 15) -> None:
    """Terminate `process`, and kill it if it is still there after `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def running_server(name: str, command: Sequence[str], health_path: str, port: int, log: Path,
                   timeout: float = 90) -> Iterator[RunningServer]:
    """`command` (which listens on 127.0.0.1:`port`) until the `with` ends; ready once GET
    `health_path` answers 2xx. Its output goes to `log`; a server that exits or stays silent
    raises ServerStartError with the log's tail."""
    url = f"http://127.0.0.1:{port}"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(list(command), stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise ServerStartError(f"{name} exited with {process.returncode}: "
                                           f"{log.read_text(errors='replace')[-2000:]}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(url + health_path, timeout=2, trust_env=False).is_success:
                        break
                if time.monotonic() > deadline:
                    raise ServerStartError(f"{name} did not answer {url}{health_path} in "
                                           f"{timeout:.0f} s: {log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.25)
            yield RunningServer(name, url, process, log)
        finally:
            stop(process)


@contextlib.contextmanager
def chroma_run(folder: Path, timeout: float = 90) -> Iterator[RunningServer]:
    """`chroma run --path folder/data` (log: folder/chroma.log)."""
    exe = chroma_executable()
    if exe is None:
        raise ServerStartError("the `chroma` command (chromadb's server CLI) is not installed")
    port = free_port()
    command = [exe, "run", "--path", str(folder / "data"), "--host", "127.0.0.1", "--port",
               str(port)]
    with running_server(CHROMA, command, "/api/v2/heartbeat", port,
                        folder / "chroma.log", timeout) as server:
        yield server


@contextlib.contextmanager
def embedding_server(folder: Path, threads: int = 0, timeout: float = 90) -> Iterator[RunningServer]:
    """bench/embedding_server.py (log: folder/embeddings.log); its `url` has no /v1."""
    port = free_port()
    command = [sys.executable, "-m", "bench.embedding_server", "--port", str(port), "--threads",
               str(threads)]
    with running_server(EMBEDDING, command, "/health", port,
                        folder / "embeddings.log", timeout) as server:
        yield server


def no_proxy_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, "DOSSIER_HOME": str(home), **(extra or {})}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        env.pop(name, None)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env
