"""A question read once: what `read_question` finds in questions of each kind, and that scope,
retrieval and the answerers take the `Question` instead of reading the raw text again."""

from __future__ import annotations

import datetime as dt
import socket
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_type_hints

import pytest

import assistant.answer.extractive
import assistant.answer.llm
import assistant.question
import assistant.retrieval
import assistant.scope
from assistant import Assistant
from assistant.question import Period, Question, named_period, read_question
from ingest.documents import DocMeta
from ingest.embeddings import LocalMiniLM
from tests.conftest import CountingEmbedder
from tests.openai_server import Reply, ScriptedOpenAI

TODAY = dt.date(2025, 6, 1)
METAS = [
    DocMeta(title="AAPL Q3", company="Apple Inc.", ticker="AAPL", form="10-Q", period="Q3 FY2023"),
    DocMeta(title="AMZN Q3", company="Amazon.com, Inc.", ticker="AMZN", form="10-Q"),
    DocMeta(title="Alibaba to invest", company="Alibaba Group Holding Limited", ticker="BABA",
            published="2025-02-24"),
]


def read(text: str) -> Question:
    return read_question(text, METAS, TODAY)


def test_a_company_and_a_fiscal_quarter() -> None:
    q = read("What was Apple's gross margin in the third quarter of fiscal 2023?")
    assert q.companies == {"Apple Inc."}
    assert q.period == Period(2023, 3, True, "Q3 FY2023")
    assert q.form is None and not q.latest and not q.dated
    # Without "fiscal", a quarter may be the fiscal label or the calendar quarter.
    assert read("Amazon.com's operating income in Q1 2023").period == Period(2023, 1, False, "Q1 2023")
    assert read("Amazon.com's operating income in Q1 2023").companies == {"Amazon.com, Inc."}
    assert read("Apple revenue FY23 Q2").period == Period(2023, 2, True, "Q2 FY2023")


def test_a_ticker_names_its_company_only_when_stored() -> None:
    assert read("What did AMZN report about AWS?").companies == {"Amazon.com, Inc."}
    assert read("Is $BABA investing in AI?").companies == {"Alibaba Group Holding Limited"}
    assert read("What did MSFT report about Azure?").companies == frozenset()
    assert read_question("What did AMZN report about AWS?").companies == frozenset()  # no store


def test_a_form_and_a_fiscal_year() -> None:
    q = read("What did Apple say about supply-chain risk in its FY2023 10-K?")
    assert q.form == "10-K" and q.period == Period(2023, None, True, "FY2023")
    assert read("Amazon's 10-q/A for 2022").form == "10-Q"
    assert read("Amazon's 10-q/A for 2022").period == Period(2022, None, False, "2022")


def test_latest_10q() -> None:
    q = read("In AAPL's latest 10-Q, what were iPhone net sales?")
    assert q.latest and q.form == "10-Q" and q.companies == {"Apple Inc."}
    assert q.recency.prefer_recent and not q.dated
    assert read("What was Amazon's margin in the most recent quarterly report?").latest
    assert not read("What was Amazon's margin last year?").latest


def test_since_march_2025() -> None:
    q = read("News about Alibaba since March 2025?")
    assert q.dated and q.recency.date_from == "2025-03-01" and q.recency.date_to is None
    assert q.recency.phrase == "since March 2025"
    between = read("What did Apple report between January 2023 and June 2023?").recency
    assert (between.date_from, between.date_to) == ("2023-01-01", "2023-06-30")
    assert read("Alibaba news in the last 2 months").recency.date_from == "2025-04-01"


def test_key_terms_names_and_figures() -> None:
    q = read("What was Alibaba's dividend in 2019?")
    assert q.key_terms == {"alibaba", "dividend", "2019"}
    assert q.names == {"alibaba"}
    assert not q.wants_figure
    q = read("How much is Alibaba investing in AI?")
    assert q.key_terms == {"alibaba", "invest", "ai"} and q.wants_figure


def test_nothing_named_and_not_yet_read() -> None:
    q = read("What are the main risks of AI regulation?")
    assert not (q.companies or q.form or q.period or q.latest or q.dated)
    assert q.statement is None and q.metric is None  # for the figures work to fill
    bare = Question("Apple's FY2023 10-K")
    assert not (bare.companies or bare.form or bare.period or bare.key_terms)


def test_the_text_to_search() -> None:
    q = read("What was Amazon.com, Inc.'s operating income in Q3 2023?")
    assert q.search_text == q.text
    assert q.without_companies == "What was operating income in Q3 2023?"
    narrowed = q.searching(q.without_companies or "")
    assert narrowed.search_text == "What was operating income in Q3 2023?"
    assert narrowed.text == q.text and narrowed.companies == q.companies
    assert read("How did Apple do?").without_companies is None  # too little left


# read once -------------------------------------------------------------------------------------
READERS = ("named_companies", "named_period", "recency_scope", "key_terms", "named_terms")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[str, str]]:
    """Every call of a raw-text reader, anywhere in `assistant`, counted by (reader, text)."""
    counts: Counter[tuple[str, str]] = Counter()
    originals: dict[str, Callable[..., Any]] = {
        name: getattr(assistant.question, name) for name in READERS}

    def spy(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def counted(text: str, *args: Any, **kwargs: Any) -> Any:
            counts[name, text] += 1
            return original(text, *args, **kwargs)
        return counted

    modules = [m for n, m in list(sys.modules.items()) if n.split(".")[0] == "assistant"]
    for module in modules:
        for name, original in originals.items():
            if getattr(module, name, None) is original:
                monkeypatch.setattr(module, name, spy(name, original))
    return counts


def _read_once(counts: Counter[tuple[str, str]], text: str) -> None:
    assert {name: counts[name, text] for name in READERS} == dict.fromkeys(READERS, 1)


def test_an_extractive_ask_reads_the_question_once(alibaba_store: Path, minilm: LocalMiniLM,
                                                   reads: Counter[tuple[str, str]]) -> None:
    asked = "How much is Alibaba investing in AI?"
    with Assistant(home=alibaba_store, embedder=minilm) as a:
        answer = a.ask(asked, mode="extractive")
    assert not answer.cannot_answer and answer.scope is not None
    _read_once(reads, asked)


def test_a_search_reads_its_query_once(alibaba_store: Path, minilm: LocalMiniLM,
                                       reads: Counter[tuple[str, str]]) -> None:
    with Assistant(home=alibaba_store, embedder=minilm) as a:
        results = a.search("Alibaba AI investment in 2025", k=3)
    assert results and results.scope is not None
    _read_once(reads, "Alibaba AI investment in 2025")


def test_the_llm_fallback_reuses_the_question_read(alibaba_store: Path, minilm: LocalMiniLM,
                                                    reads: Counter[tuple[str, str]]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    asked = "How much is Alibaba investing in AI?"
    with Assistant(home=alibaba_store, embedder=minilm, llm={
            "base_url": f"http://127.0.0.1:{port}/v1", "model": "test-model", "max_retries": 0,
            "timeout_s": 2.0}) as a:
        answer = a.ask(asked)
    assert answer.mode == "extractive" and answer.notice is not None
    _read_once(reads, asked)


def test_a_condensed_follow_up_is_a_new_question_read_once(
    alibaba_store: Path, minilm: LocalMiniLM, openai_server: ScriptedOpenAI,
    reads: Counter[tuple[str, str]],
) -> None:
    standalone = "Over how many years will Alibaba invest 380 billion yuan in AI?"
    openai_server.script(Reply(standalone), Reply("I cannot tell from the passages."))
    history = [{"role": "user", "content": "How much is Alibaba investing in AI?"},
               {"role": "assistant", "content": "380 billion yuan."}]
    with Assistant(home=alibaba_store, embedder=minilm, llm={
            "base_url": openai_server.base_url, "model": "test-model", "timeout_s": 5.0}) as a:
        answer = a.ask("over how many years?", history=history)
    assert answer.searched == standalone and answer.scope is not None
    _read_once(reads, "over how many years?")
    _read_once(reads, standalone)


@pytest.mark.parametrize(
    ("function", "parameter"),
    [
        (assistant.scope.resolve_scope, "question"),
        (assistant.answer.extractive.extractive_answer, "question"),
        (assistant.answer.llm.LLMAnswerer.stream, "question"),
    ],
)
def test_the_steps_after_reading_take_a_question_not_text(function: Callable[..., Any],
                                                          parameter: str) -> None:
    assert get_type_hints(function)[parameter] is Question


def test_retrieval_searches_the_questions_search_text(alibaba_store: Path,
                                                      embedder: CountingEmbedder) -> None:
    with Assistant(home=alibaba_store, embedder=embedder) as a:
        a.search(Question("Alibaba cloud", search_text="cloud revenue growth"), k=1)
        a.search("How much is Alibaba investing in AI?", k=1)  # scoped to Alibaba's documents
    with Assistant(home=alibaba_store, embedder=embedder, retrieval={"scope_strip_names": False}) as a:
        a.search("How much is Alibaba investing in AI?", k=1)  # its name kept in the query
    assert embedder.embedded == ["cloud revenue growth", "How much is investing in AI?",
                                 "How much is Alibaba investing in AI?"]


def test_a_chat_follow_up_is_a_new_question_read_once(alibaba_store: Path, minilm: LocalMiniLM,
                                                       reads: Counter[tuple[str, str]]) -> None:
    from assistant.ui.app import ChatApp, new_state

    no_filters = (None, None, None, None, None)
    with Assistant(home=alibaba_store, embedder=minilm, llm={"model": None}) as a:
        app = ChatApp(a)
        *_, (history, _, _, state) = app.respond("How much is Alibaba investing in AI?", [],
                                                 new_state(), *no_filters)
        *_, (history, _, _, state) = app.respond("What about cloud?", history, state, *no_filters)
    assert state["last"] == "cloud, Alibaba"
    for text in ("How much is Alibaba investing in AI?", "What about cloud?", state["last"]):
        _read_once(reads, text)


def test_a_reopened_conversation_reads_its_last_question_for_a_follow_up(
    alibaba_store: Path, minilm: LocalMiniLM,
) -> None:
    from assistant.ui.app import ChatApp, new_state

    reopened = {**new_state(), "last": "How much is Alibaba investing in AI?"}  # text only, stored
    del reopened["question"]
    with Assistant(home=alibaba_store, embedder=minilm, llm={"model": None}) as a:
        *_, (_, _, _, state) = ChatApp(a).respond("What about cloud?", [], reopened,
                                                  None, None, None, None, None)
    assert state["last"] == "cloud, Alibaba"


@pytest.mark.parametrize(("question", "named"), [
    ("What is the 2 year revenue CAGR from FY2020 to FY2022?", "FY2022"),
    ("What was the average margin for FY2018 - FY2020?", "FY2020"),
    ("How did sales in 2019 compare with those in 2018?", "2019"),
    ("Q2 2023 against FY2022", "Q2 2023"),  # a quarter named comes first
])
def test_of_several_years_named_the_latest_is_the_period(question: str, named: str) -> None:
    """So the scope is the latest annual report, which holds the earlier years too."""
    period = named_period(question)
    assert period is not None and period.text == named
