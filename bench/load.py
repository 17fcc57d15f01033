"""Load: N simulated users chatting at once with `dossier chat` on 127.0.0.1.

    .venv/bin/python -m bench.load                           # 8 users x 3 questions, demo corpus
    .venv/bin/python -m bench.load --users 3 --questions 2 --no-write

Ingests the demo corpus into a temporary store (or uses --home), starts `dossier chat` as a
separate process on a free port, then each user (a thread with its own gradio_client.Client, so
its own session) asks its questions one after the other through the chat's `respond` endpoint,
which the Ask button and Enter call. Latency is from submitting a question to its last streamed
update. Any exception, or an answer shown as an error, counts as an error. Results go to the
`load` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    REPO,
    console,
    free_port,
    loadavg,
    machine_lines,
    percentile,
    show,
    write_section,
)
from bench.local_servers import no_proxy_env, stop

DEMO = REPO / "demo" / "corpus"
QUESTIONS = [
    "How much is Apple's total net sales for the quarter?",
    "What did The Buckle report as net income for the third quarter?",
    "Which directors did Oracle stockholders elect?",
    "What are Apple's main risk factors in its supply chain?",
    "How did Buckle's comparable store sales change?",
    "What was the result of Oracle's say-on-pay vote?",
]
ERROR_MARKERS = ("chat-error", "Something went wrong", "Traceback")


def ingest(home: Path, sources: Sequence[Path | str], env: dict[str, str] | None = None) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ingest", *map(str, sources), "-q"],
        env=no_proxy_env(home, env), cwd=REPO, capture_output=True, text=True, timeout=900,
        check=False)
    if result.returncode != 0:
        raise RuntimeError(f"ingest failed: {result.stdout}{result.stderr[-2000:]}")


@contextlib.contextmanager
def running_chat(home: Path, env: dict[str, str] | None = None, *args: str,
                 timeout: float = 300) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`dossier chat` in its own process on a free port; (its URL, the process)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "-v", "chat", "--port", str(port), *args],
        env=no_proxy_env(home, env), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(proc.stdout or []), daemon=True)
    reader.start()
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                reader.join(5)
                raise RuntimeError(f"`dossier chat` exited with {proc.returncode}: "
                                   f"{''.join(output)[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=5, trust_env=False).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"`dossier chat` did not answer at {url} in {timeout:.0f} s")
            time.sleep(0.5)
        proc.output = output  # type: ignore[attr-defined]  # what it printed, for the caller
        yield url, proc
    finally:
        stop(proc, timeout=20)
        reader.join(5)


@dataclass
class UserResult:
    latencies: list[float] = field(default_factory=list)  # seconds per question
    errors: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)


def ask_once(client: Any, question: str) -> str:
    """One question through the chat's respond endpoint; the last assistant message."""
    history = client.predict(question, [], None, None, "", "", [], api_name="/respond")[0]
    if not history:
        return ""
    content = history[-1]["content"]  # Gradio 6: a list of {"type": "text", "text": ...}
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) if isinstance(part, dict) else str(part)
                       for part in content)
    return str(content)


def simulate_user(url: str, questions: Sequence[str], result: UserResult,
                  start: threading.Barrier) -> None:
    from gradio_client import Client

    try:
        client = Client(url, verbose=False, httpx_kwargs={"trust_env": False, "timeout": 600})
    except Exception as exc:  # counted, not raised: the bench reports every failure
        result.errors.append(f"connect: {type(exc).__name__}: {exc}")
        start.wait()
        return
    start.wait()
    for question in questions:
        began = time.perf_counter()
        try:
            answer = ask_once(client, question)
        except Exception as exc:
            result.errors.append(f"{question}: {type(exc).__name__}: {exc}")
            continue
        result.latencies.append(time.perf_counter() - began)
        result.answers.append(answer)
        if not answer or any(m in answer for m in ERROR_MARKERS):
            result.errors.append(f"{question}: the chat showed an error: {answer[:300]}")


def run_load(url: str, users: int, per_user: int, time_limit: float = 600) -> list[UserResult]:
    results = [UserResult() for _ in range(users)]
    start = threading.Barrier(users)
    threads = [
        threading.Thread(
            target=simulate_user,
            args=(url, [QUESTIONS[(u + i) % len(QUESTIONS)] for i in range(per_user)],
                  results[u], start),
            daemon=True)
        for u in range(users)
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + time_limit
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    stuck = sum(t.is_alive() for t in threads)
    if stuck:
        results[0].errors.append(f"{stuck} users still waiting after {time_limit:.0f} s")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--questions", type=int, default=3, help="questions per user")
    parser.add_argument("--home", type=Path, help="an existing store (default: the demo corpus, "
                        "ingested into a temporary folder)")
    parser.add_argument("--time-limit", type=float, default=300, help="seconds for the whole load")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    args = parser.parse_args()
    machine = machine_lines()

    with contextlib.ExitStack() as stack:
        home = args.home
        if home is None:
            home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-load-")))
            with console.status("ingesting the demo corpus"):
                ingest(home, [DEMO])
        url, proc = stack.enter_context(running_chat(home))
        console.print(f"chat at {url}; {args.users} users x {args.questions} questions")
        load_start = loadavg()
        began = time.perf_counter()
        results = run_load(url, args.users, args.questions, args.time_limit)
        wall = time.perf_counter() - began
        load_end = loadavg()

    latencies = [x for r in results for x in r.latencies]
    errors = [e for r in results for e in r.errors]
    for e in errors:
        console.print(f"[red]error[/red] {e}", highlight=False)
    asked = args.users * args.questions
    rows = [[f"{args.users} users x {args.questions} questions", asked, len(latencies),
             len(errors),
             f"{percentile(latencies, 50):.2f}" if latencies else "-",
             f"{percentile(latencies, 95):.2f}" if latencies else "-",
             f"{max(latencies):.2f}" if latencies else "-",
             f"{len(latencies) / wall:.2f}", f"{wall:.0f}"]]
    headers = ["load", "questions", "answered", "errors", "p50 s", "p95 s", "max s",
               "answers/s", "wall s"]
    md = [f"## Chat under load: {args.users} simultaneous users", "", *machine, ""]
    md += [show("Chat load (`dossier chat`, gradio_client, 127.0.0.1)", headers, rows), ""]
    md.append(
        f"Each user is a thread with its own gradio_client session; all start together and ask "
        f"their questions one after another through the chat's `respond` endpoint (offline "
        f"extractive answers, streamed). Latency: from submitting a question to its last update. "
        f"The chat runs at most DOSSIER_CHAT_CONCURRENCY (default 4) answers at once; the rest "
        f"wait in Gradio's queue, which the latency includes. Store: "
        f"{'the demo corpus' if args.home is None else args.home}. Load average (1, 5, 15 min) "
        f"when the users started {load_start}, at the end {load_end}.\n")
    if not args.no_write:
        write_section("load", "\n".join(md))
    if errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
