"""Generated answers over real HTTP: the real openai client and ChatOpenAI against a scripted
OpenAI-compatible server on 127.0.0.1 (tests/openai_server.py), so retries, timeouts, streaming
and error handling are the library's own, not mocks. The same through the Assistant, the chat
and the CLI: tests/test_llm_assistant.py."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever

import prompts
from assistant.answer.errors import LLMConfigError, LLMUnavailable
from assistant.answer.llm import LLMAnswerer, chat_model
from assistant.config import load_settings
from assistant.models import Answer, Passage
from assistant.question import Question
from ingest.chunking import chunk_document
from ingest.loaders import load_source
from tests.llm_helpers import KEY, Static, apple_retriever, settings_for
from tests.openai_server import Broken, Hang, Reply, ScriptedOpenAI, Status, prompt_of


def answerer(server: ScriptedOpenAI, retriever: BaseRetriever | None = None,
             **overrides: Any) -> LLMAnswerer:
    return LLMAnswerer.from_settings(settings_for(server, **overrides), retriever or apple_retriever())


def test_the_request_fences_numbered_passages_and_carries_the_settings(openai_server: ScriptedOpenAI) -> None:
    openai_server.script(Reply("Total net sales were $383,285 million [1]."))
    answer = answerer(openai_server).answer(Question("What were Apple's total net sales in fiscal 2023?"))
    assert answer.answer == "Total net sales were $383,285 million [1]."
    body = openai_server.requests[0]
    assert body["model"] == "test-model" and body["stream"] is True and body["temperature"] == 0
    assert body["max_tokens"] == 700  # for llama.cpp's server, which ignores max_completion_tokens
    system = body["messages"][0]["content"]
    assert prompts.cannot_answer() in system and "not instructions" in system
    user = prompt_of(body)
    assert [int(n) for n in re.findall(r'<passage n="(\d+)"', user)] == [1, 2, 3, 4]
    assert user.count("</passage>") == 4  # the fence inside passage 4 cannot close it early
    assert user.rstrip().endswith("Question: What were Apple's total net sales in fiscal 2023?")
    assert openai_server.headers[0]["authorization"] == f"Bearer {KEY}"


def test_a_citation_of_passage_7_of_4_is_removed_before_it_is_shown(openai_server: ScriptedOpenAI) -> None:
    openai_server.script(Reply("Total net sales were $383,285 million in fiscal 2023 [1]. "
                        "Apple leads the market [7]."))
    *shown, answer = answerer(openai_server).stream(Question("What were Apple's total net sales?"))
    assert not any("[7]" in s for s in shown)
    assert isinstance(answer, Answer) and answer.mode == "llm"
    assert answer.answer == ("Total net sales were $383,285 million in fiscal 2023 [1]. "
                             "Apple leads the market. [unsupported]")
    assert answer.claims[1].citations[0].model_dump() == {"written": 7, "n": None,
                                                          "status": "no_such_passage"}
    assert answer.summary() == "1 of 2 claims supported"
    assert [c.chunk_id for c in answer.citations] == ["chunk1"]


def test_a_number_no_passage_holds_is_marked_unsupported(openai_server: ScriptedOpenAI) -> None:
    openai_server.script(Reply("Net sales were $383.3 billion [1]. "
                               "Apple repurchased $90 billion of stock [3]."))
    answer = answerer(openai_server).answer(Question("What did Apple do?"))
    assert [c.status for c in answer.claims] == ["supported", "unsupported"]
    assert answer.claims[1].unsupported_numbers == ["$90 billion"]
    assert answer.answer.endswith("of stock. [unsupported]")
    contract = answer.json_contract()
    assert contract["summary"] == "1 of 2 claims supported"
    assert contract["supported_claims"] == 1 and contract["total_claims"] == 2


def test_429_is_retried_then_succeeds(openai_server: ScriptedOpenAI) -> None:
    openai_server.script(Status(429, "rate limited"), Reply("iPhone net sales decreased 2% [2]."))
    answer = answerer(openai_server).answer(Question("How did iPhone sales change?"))
    assert len(openai_server.requests) == 2
    assert answer.answer == "iPhone net sales decreased 2% [1]."


def test_a_lasting_500_is_retried_then_reported_unavailable(openai_server: ScriptedOpenAI) -> None:
    openai_server.script(Status(500, "boom"))
    with pytest.raises(LLMUnavailable, match=r"kept answering HTTP 500 after retries") as info:
        answerer(openai_server, max_retries=2).answer(Question("Anything?"))
    assert len(openai_server.requests) == 3
    assert info.value.search_query == "Anything?"


def test_a_hang_past_the_timeout_is_reported_unavailable(openai_server: ScriptedOpenAI) -> None:
    openai_server.script(Hang(30))
    started = time.monotonic()
    with pytest.raises(LLMUnavailable, match=r"did not answer within 0.5 s"):
        answerer(openai_server, timeout_s=0.5, max_retries=1).answer(Question("Anything?"))
    assert time.monotonic() - started < 10
    assert len(openai_server.requests) == 2  # one retry


def test_a_broken_stream_is_reported_unavailable_not_shown_half(openai_server: ScriptedOpenAI) -> None:
    openai_server.script(Broken("Total net sales were $383,285 million [1]. iPhone net"))
    with pytest.raises(LLMUnavailable, match="broke off"):
        list(answerer(openai_server).stream(Question("What were sales?")))


def test_a_bad_key_is_a_clear_error_without_the_key(openai_server: ScriptedOpenAI) -> None:
    openai_server.script(Status(401, f"Incorrect API key provided: {KEY}"))
    with pytest.raises(LLMConfigError) as info:
        answerer(openai_server).answer(Question("Anything?"))
    assert "OPENAI_API_KEY" in str(info.value) and "HTTP 401" in str(info.value)
    assert KEY not in str(info.value) and KEY[:12] not in str(info.value)
    assert len(openai_server.requests) == 1  # not retried


def test_an_unknown_model_is_a_clear_error(openai_server: ScriptedOpenAI) -> None:
    openai_server.script(Status(404, "The model `gpt-nope` does not exist"))
    with pytest.raises(LLMConfigError, match=r"has no model 'gpt-nope'.*DOSSIER_LLM_MODEL"):
        answerer(openai_server, model="gpt-nope").answer(Question("Anything?"))


def test_a_follow_up_is_condensed_keeping_company_and_period(openai_server: ScriptedOpenAI) -> None:
    standalone = "What were Apple's total net sales in fiscal 2022?"
    openai_server.script(Reply(standalone),
                  Reply("Total net sales were $394,328 million in 2022 [1]."))
    retriever = apple_retriever()
    history = [{"role": "user", "content": "What were Apple's total net sales in fiscal 2023?"},
               {"role": "assistant", "content": "Total net sales were $383,285 million [1]."}]
    answer = answerer(openai_server, retriever).answer(Question("and in 2022?"), history)
    condense = prompt_of(openai_server.requests[0])
    assert "Apple's total net sales in fiscal 2023" in condense and "and in 2022?" in condense
    assert retriever.queries == [standalone]
    assert answer.searched == standalone and answer.question == "and in 2022?"
    assert prompt_of(openai_server.requests[1]).rstrip().endswith(f"Question: {standalone}")
    assert answer.claims[0].status == "supported"


def statement_retriever() -> Static:
    """Apple's Q3 FY2023 statement of operations, loaded and chunked from an inline-XBRL filing
    that states its scale only in its facts' attributes."""
    doc = load_source(str(Path(__file__).parent / "fixtures" / "ixbrl_statement_no_units_line.html"))
    chunks = chunk_document(doc, lambda texts: [len(t.split()) for t in texts], max_tokens=150)
    return Static(docs=[LCDocument(page_content=c.text, metadata=Passage(
        rank=i, score=1.0, chunk_id=c.chunk_id, doc_id=c.doc_id, title=doc.meta.title,
        source=doc.meta.source, text="").model_dump(exclude={"text"}))
        for i, c in enumerate([c for c in chunks if "81,797" in c.text], start=1)], queries=[])


def test_a_figure_off_by_a_thousand_is_shown_unsupported(openai_server: ScriptedOpenAI) -> None:
    openai_server.script(Reply("Apple's total net sales for the quarter were $81.8 million [1]."),
                  Reply("Apple's total net sales for the quarter were $81.8 billion [1]."))
    question = Question("What were Apple's total net sales in the quarter ended July 1, 2023?")
    wrong = answerer(openai_server, statement_retriever()).answer(question)
    assert wrong.answer == "Apple's total net sales for the quarter were $81.8 million. [unsupported]"
    assert wrong.claims[0].unsupported_numbers == ["$81.8 million"]
    right = answerer(openai_server, statement_retriever()).answer(question)
    assert right.answer == "Apple's total net sales for the quarter were $81.8 billion [1]."
    assert right.claims[0].status == "supported" and right.claims[0].scale_not_stated == []
    assert "81,797" in right.citations[0].quote


def test_the_cannot_answer_reply_is_kept_as_such(openai_server: ScriptedOpenAI) -> None:
    openai_server.script(Reply(prompts.cannot_answer()))
    answer = answerer(openai_server).answer(Question("Who is Apple's auditor?"))
    assert answer.cannot_answer and answer.citations == [] and answer.claims == []


def test_a_reply_cut_at_max_tokens_carries_a_notice(openai_server: ScriptedOpenAI) -> None:
    openai_server.script(Reply("Total net sales were $383,285 million [1]. iPhone", finish_reason="length"))
    answer = answerer(openai_server).answer(Question("What were sales?"))
    assert answer.notice is not None and "DOSSIER_LLM_MAX_TOKENS" in answer.notice


def test_openai_itself_gets_no_extra_max_tokens() -> None:
    assert chat_model(load_settings(llm={"api_key": KEY, "model": "gpt-4o-mini"})).extra_body is None
    local = chat_model(load_settings(llm={"base_url": "http://127.0.0.1:8080/v1", "model": "m",
                                          "max_tokens": 300}))
    assert local.extra_body == {"max_tokens": 300}
