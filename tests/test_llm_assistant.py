"""Generated answers through the Assistant, the chat and the CLI on a real store, against the
scripted OpenAI-compatible server on 127.0.0.1 (tests/openai_server.py); a chat model given to
the Assistant; the optional local model behind llama.cpp's server."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from typer.testing import CliRunner, Result

from assistant import Assistant, cli
from assistant.answer import local_llm
from assistant.answer.numbers import find_numbers, holds
from assistant.answer.verify import MARKER
from ingest.embeddings import LocalMiniLM
from tests.helpers import free_port
from tests.llm_helpers import KEY
from tests.openai_server import Hang, Reply, ScriptedOpenAI, Status, prompt_of

CITATION_KEYS = {"n", "chunk_id", "doc_id", "title", "source", "page", "section", "quote"}


def cite_the_investment(body: dict[str, Any]) -> str:
    """A reply citing whichever passage holds the 380 billion yuan plan, plus one invented figure."""
    passages = dict(re.findall(r'<passage n="(\d+)"[^>]*>\n(.*?)\n</passage>', prompt_of(body), re.S))
    n = next(k for k, text in passages.items() if "380 billion yuan" in text)
    return (f"Alibaba plans to invest 380 billion yuan in AI and cloud infrastructure over three "
            f"years [{n}]. It will also spend $99 billion on robots [{n}].")


@pytest.fixture
def llm_assistant(alibaba_store: Path, minilm: LocalMiniLM, openai_server: ScriptedOpenAI) -> Assistant:
    return Assistant(home=alibaba_store, embedder=minilm, llm={
        "base_url": openai_server.base_url, "api_key": KEY, "model": "test-model", "timeout_s": 2.0})


def test_assistant_ask_defaults_to_the_llm_when_configured(llm_assistant: Assistant,
                                                          openai_server: ScriptedOpenAI) -> None:
    openai_server.script(Reply(cite_the_investment))
    answer = llm_assistant.ask("How much is Alibaba investing in AI?")
    assert answer.mode == "llm"
    assert answer.summary() == "1 of 2 claims supported"
    assert answer.citations[0].quote in answer.passages[0].text or any(
        answer.citations[0].quote in p.text for p in answer.passages)
    assert "380 billion yuan" in answer.citations[0].quote
    extractive = llm_assistant.ask("How much is Alibaba investing in AI?", mode="extractive")
    assert extractive.mode == "extractive" and len(openai_server.requests) == 1
    quoted = len(extractive.citations)
    assert extractive.summary() == f"{quoted} of {quoted} claims supported"


def test_an_unreachable_endpoint_falls_back_to_the_extractive_answer(alibaba_store: Path,
                                                                     minilm: LocalMiniLM) -> None:
    port = free_port()  # nothing listens there
    a = Assistant(home=alibaba_store, embedder=minilm, llm={
        "base_url": f"http://127.0.0.1:{port}/v1", "model": "test-model", "max_retries": 0,
        "timeout_s": 2.0})
    answer = a.ask("How much is Alibaba investing in AI?")
    assert answer.mode == "extractive" and not answer.cannot_answer
    assert answer.notice is not None and "could not be reached" in answer.notice
    assert answer.answer == a.ask("How much is Alibaba investing in AI?", mode="extractive").answer


def test_llm_mode_without_an_endpoint_is_a_clear_error(alibaba_store: Path, minilm: LocalMiniLM) -> None:
    a = Assistant(home=alibaba_store, embedder=minilm, llm={"model": None})
    with pytest.raises(ValueError, match="DOSSIER_LLM_MODEL"):
        a.ask("Anything?", mode="llm")


def test_the_chat_sends_earlier_turns_so_a_follow_up_is_condensed(llm_assistant: Assistant,
                                                                   openai_server: ScriptedOpenAI) -> None:
    from assistant.ui.app import ChatApp, new_state

    app = ChatApp(llm_assistant)
    no_filters = (None, None, None, None, None)
    openai_server.script(Reply(cite_the_investment))
    *_, (history, _, _, state) = app.respond("How much is Alibaba investing in AI?", [], new_state(),
                                             *no_filters)
    standalone = "Over how many years will Alibaba invest 380 billion yuan in AI?"
    openai_server.script(Reply(standalone), Reply(cite_the_investment))
    *_, (history, _, _, state) = app.respond("over how many years?", history, state, *no_filters)
    condense = prompt_of(openai_server.requests[0])
    assert "User: How much is Alibaba investing in AI?" in condense
    assert "Assistant: Alibaba plans to invest 380 billion yuan" in condense
    assert condense.rstrip().endswith("Last question: over how many years?\n\nStandalone question:")
    answer = state["turns"][-1][1]
    assert answer.mode == "llm" and answer.searched == standalone and state["last"] == standalone


def test_an_llm_comparison_is_written_part_by_part(llm_assistant: Assistant,
                                                    openai_server: ScriptedOpenAI) -> None:
    openai_server.script(Reply(cite_the_investment))  # the Alibaba part; Nordstrom is not in the store
    answer = llm_assistant.ask("Compare Alibaba's and Nordstrom's AI investment.")
    assert len(openai_server.requests) == 1
    alibaba, nordstrom = answer.parts
    assert alibaba.covered and alibaba.citations == [1] and "380 billion yuan" in alibaba.answer
    assert "[1]" in alibaba.answer and "[unsupported]" in alibaba.answer  # checked as any LLM answer
    assert [c.n for c in answer.citations] == [1]
    assert {check.n for claim in answer.claims for check in claim.citations} - {None} == {1}
    assert not nordstrom.covered and "no documents of Nordstrom" in nordstrom.answer
    assert answer.mode == "llm"


@pytest.fixture
def dossier(alibaba_store: Path, minilm: LocalMiniLM, openai_server: ScriptedOpenAI,
            monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """`dossier ARGS` in this process (a subprocess pays half a minute of imports here),
    configured by environment variables as a user would, against the scripted server."""

    def run(*args: str, key: str = KEY) -> Result:
        for name, value in {"DOSSIER_HOME": str(alibaba_store), "OPENAI_BASE_URL": openai_server.base_url,
                            "OPENAI_API_KEY": key, "DOSSIER_LLM_MODEL": "test-model",
                            "DOSSIER_LLM_MAX_RETRIES": "0", "DOSSIER_LLM_TIMEOUT_S": "2"}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(cli.common, "open_assistant", lambda: Assistant(embedder=minilm))
        return CliRunner().invoke(cli.app, list(args))

    return run


def test_cli_ask_json_carries_the_checks(dossier: Callable[..., Result],
                                         openai_server: ScriptedOpenAI) -> None:
    openai_server.script(Reply(cite_the_investment))
    result = dossier("ask", "How much is Alibaba investing in AI?", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["mode"] == "llm" and data["cannot_answer"] is False
    assert data["summary"] == "1 of 2 claims supported"
    assert [c["status"] for c in data["claims"]] == ["supported", "unsupported"]
    assert data["claims"][1]["unsupported_numbers"] == ["$99 billion"]
    assert set(data["citations"][0]) >= CITATION_KEYS and data["citations"][0]["n"] == 1
    assert "[1]" in data["answer"] and "[unsupported]" in data["answer"]


def test_cli_bad_key_and_mode_override(dossier: Callable[..., Result], openai_server: ScriptedOpenAI) -> None:
    openai_server.script(Status(401, "Incorrect API key provided"))
    result = dossier("ask", "How much is Alibaba investing in AI?", key="sk-wrong-key-777")
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)  # not a crash
    assert "error:" in result.stderr and "OPENAI_API_KEY" in result.stderr
    assert "sk-wrong-key-777" not in result.output
    result = dossier("ask", "How much is Alibaba investing in AI?", "--mode", "extractive")
    assert result.exit_code == 0, result.output
    assert "Sources:" in result.stdout and len(openai_server.requests) == 1  # no second call


def test_cli_streams_a_checked_answer_and_shows_the_fallback_notice(
        dossier: Callable[..., Result], openai_server: ScriptedOpenAI) -> None:
    openai_server.script(Reply(cite_the_investment))
    result = dossier("ask", "How much is Alibaba investing in AI?")
    assert result.exit_code == 0, result.output
    assert "380 billion yuan" in result.stdout and "[unsupported]" in result.stdout
    assert "(1 of 2 claims supported)" in result.stdout and "Sources:" in result.stdout
    openai_server.script(Hang(30))
    result = dossier("ask", "How much is Alibaba investing in AI?")
    assert result.exit_code == 0, result.output
    assert "Note: The LLM endpoint" in result.stdout and "did not answer within 2 s" in result.stdout
    assert "offline extractive answer" in result.stdout and result.exception is None


# ----------------------------------------------------------------------------------------------
# The optional local model (the `local-llm` extra): a real small model behind llama.cpp's server


@pytest.mark.local_llm
def test_the_local_smollm2_answer_is_checked_like_any_other(alibaba_store: Path, minilm: LocalMiniLM,
                                                            tmp_path: Path) -> None:
    reason = local_llm.missing()
    if reason:
        pytest.skip(reason)
    with local_llm.running_server(tmp_path / "llama-server.log", threads=2,
                                  start_timeout_s=180) as base_url:
        a = Assistant(home=alibaba_store, embedder=minilm, llm={
            "base_url": base_url, "model": local_llm.MODEL_ALIAS, "max_tokens": 160,
            "timeout_s": 300, "max_retries": 0})
        answer = a.ask("How much is Alibaba investing in AI and cloud infrastructure?", k=4)
    assert answer.mode == "llm" and answer.answer  # a generated answer, not the fallback
    assert sorted(c.n for c in answer.citations) == list(range(1, len(answer.citations) + 1))
    for citation in answer.citations:
        assert f"[{citation.n}]" in answer.answer
        passage = next(p for p in answer.passages if p.chunk_id == citation.chunk_id)
        assert citation.quote in passage.text
    # each claim shown as supported states only numbers that a passage it cites holds (checked
    # here from scratch); the others carry their mark
    by_chunk = {p.chunk_id: p for p in answer.passages}
    for claim in answer.claims:
        shown = [c.n for c in claim.citations if c.n is not None]
        assert all(f"[{n}]" in claim.text for n in shown), claim
        if claim.status == "supported":
            cited = [by_chunk[answer.citations[n - 1].chunk_id] for n in shown]
            held = [num for p in cited for num in find_numbers(p.text) + find_numbers(" ".join(
                x for x in (p.title, p.period, p.published, p.filed) if x).replace("-", " "))]
            for num in find_numbers(MARKER.sub(" ", claim.text)):
                assert holds(num, held), (num, claim.text)
        else:
            assert "[unsupported]" in claim.text or claim.status == "uncited", claim


class OneReply(BaseChatModel):
    """A chat model that streams one fixed reply, word by word, ending as OpenAI's do."""

    reply: str

    @property
    def _llm_type(self) -> str:
        return "one-reply"

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        message = AIMessage(content=self.reply, response_metadata={"finish_reason": "stop"})
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        for word in self.reply.split(" "):
            yield ChatGenerationChunk(message=AIMessageChunk(content=word + " "))
        yield ChatGenerationChunk(message=AIMessageChunk(
            content="", response_metadata={"finish_reason": "stop"}))


def test_an_assistant_answers_with_the_chat_model_it_is_given(alibaba_store: Path,
                                                             minilm: LocalMiniLM) -> None:
    """The endpoint configured is unreachable: the answer can only come from the given model."""
    given = OneReply(reply="Alibaba plans to invest 380 billion yuan in AI and cloud infrastructure [1].")
    with Assistant(home=alibaba_store, embedder=minilm, chat_model=given, llm={
            "model": "given", "base_url": f"http://127.0.0.1:{free_port()}/v1"}) as a:
        answer = a.ask("How much is Alibaba investing in AI?")
    assert answer.mode == "llm" and answer.notice is None
    assert answer.answer.startswith("Alibaba plans to invest 380 billion yuan")
