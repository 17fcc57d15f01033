"""Generated answers: a LangChain chain over an OpenAI-compatible endpoint, checked sentence by
sentence before they are shown.

    {"question", "history"}
      -> standalone: the question, or (with history) the condense prompt's rewrite, which keeps
                     the company and period of earlier turns ("and in 2022?")
      -> passages:   the hybrid retriever (a LangChain BaseRetriever) on the standalone question
      -> reply:      prompts/answer.txt with the passages numbered and fenced as data | ChatOpenAI
                     (streamed)

`LLMAnswerer.stream` yields each checked sentence (assistant/answer/verify.py) as it completes,
then the `Answer`. Errors become `LLMConfigError` (bad key, unknown model, a refused request: the
user must fix something) or `LLMUnavailable` (unreachable, timed out, still failing after retries,
a reply that broke off: the caller falls back to the extractive answer).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any
from urllib.parse import urlparse

import httpx
import openai
from langchain_core.documents import Document as LCDocument
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableBranch, RunnableLambda, RunnablePassthrough
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

import prompts
from assistant.answer.computing import ComputedAnswer, cited_operands, computed_passage
from assistant.answer.errors import LLMConfigError, LLMError, LLMUnavailable, redact
from assistant.answer.verify import MARKER, Verifier, checked_sentences
from assistant.config import Settings
from assistant.lc_retriever import document_passage
from assistant.models import Answer, Passage
from assistant.question import Question

History = Sequence[Mapping[str, str]]  # OpenAI-style messages: {"role": "user", "content": ...}
HISTORY_MESSAGES = 6  # the last three turns are enough to carry a company and a period
HISTORY_CHARS = 600


def chat_model(settings: Settings) -> ChatOpenAI:
    """ChatOpenAI for the configured endpoint. Endpoints other than OpenAI's also get
    `max_tokens` in the body: langchain-openai sends only `max_completion_tokens`, which
    llama.cpp's server ignores."""
    llm = settings.llm
    if not llm.model:
        raise LLMConfigError("no LLM model is configured: set DOSSIER_LLM_MODEL (and OPENAI_BASE_URL "
                             "or OPENAI_API_KEY)")
    key = llm.api_key or SecretStr("not-needed")  # local servers take any key
    extra_body = None if _is_openai(llm.base_url) else {"max_tokens": llm.max_tokens}
    return ChatOpenAI(
        model=llm.model, base_url=llm.base_url, api_key=key,
        timeout=llm.timeout_s, max_retries=llm.max_retries,
        max_completion_tokens=llm.max_tokens, temperature=llm.temperature,
        extra_body=extra_body,
    )


def chat_prompt(name: str, **partials: str) -> ChatPromptTemplate:
    """prompts/<name>.txt: a '[system]' part and a '[user]' part."""
    text = prompts.load(name)
    match = re.fullmatch(r"\s*\[system\]\n(?P<system>.*?)\n\[user\]\n(?P<user>.*)", text, re.DOTALL)
    if match is None:
        raise ValueError(f"prompts/{name}.txt must hold a [system] part and then a [user] part")
    template = ChatPromptTemplate.from_messages(
        [("system", match.group("system")), ("human", match.group("user"))]
    )
    return template.partial(**partials) if partials else template


def format_passages(passages: Sequence[Passage]) -> str:
    """The passages numbered from 1 and fenced, so the model can tell data from instructions. A
    fence inside a passage is defused; a source's own "[2]" markers become "(ref. 2)"."""
    blocks = []
    for n, p in enumerate(passages, start=1):
        text = re.sub(r"</?\s*passage", lambda m: m.group(0).replace("<", "‹"), p.text,
                      flags=re.IGNORECASE)
        text = MARKER.sub(r"(ref. \1)", text)
        where = _attribute(p.place())
        date = f' date="{_attribute(p.published or p.filed or "")}"' if p.published or p.filed else ""
        blocks.append(f'<passage n="{n}" source="{where}"{date}>\n{text.strip()}\n</passage>')
    return "\n\n".join(blocks)


def format_history(history: History | None) -> str:
    lines = []
    for message in list(history or [])[-HISTORY_MESSAGES:]:
        role = "User" if message.get("role") == "user" else "Assistant"
        content = " ".join(MARKER.sub("", str(message.get("content", ""))).split())
        if content:
            lines.append(f"{role}: {content[:HISTORY_CHARS]}")
    return "\n".join(lines)


Evidence = Callable[[str, list[Passage]], list[Passage]]


def build_chain(llm: BaseChatModel, retriever: BaseRetriever,
                evidence: Evidence | None = None) -> Runnable[dict[str, Any], dict[str, Any]]:
    """Input {"question": str, "history": str (formatted, may be empty)}. Streams dict chunks: one
    with "standalone" and "passages", then {"reply": AIMessageChunk} pieces. `evidence(question,
    passages)` gives the passages the model is shown: the retrieved ones and, where Dossier
    computed the figure asked for, its operands' passages and the computation."""
    condense = chat_prompt("condense") | llm | StrOutputParser() | RunnableLambda(_one_line)
    standalone = RunnableBranch(
        (lambda x: bool(x["history"]), RunnablePassthrough.assign(q=condense) | _pick_query),
        itemgetter("question"),
    )
    retrieve: Runnable[Any, list[Passage]] = (itemgetter("standalone") | retriever
                                              | RunnableLambda(_to_passages))
    if evidence is not None:
        shown = evidence
        retrieve = (RunnablePassthrough.assign(found=retrieve)
                    | RunnableLambda(lambda x: shown(x["standalone"], x["found"])))
    generate = (RunnableLambda(_answer_inputs)
                | chat_prompt("answer", cannot_answer=prompts.cannot_answer()) | llm)
    nothing_found: Runnable[Any, AIMessageChunk] = RunnableLambda(lambda _: AIMessageChunk(
        content=prompts.cannot_answer(), response_metadata={"finish_reason": "stop"}))
    reply = RunnableBranch((lambda x: not x["passages"], nothing_found), generate)
    return (RunnablePassthrough.assign(standalone=standalone)
            .assign(passages=retrieve)
            .assign(reply=reply))


class LLMAnswerer:
    def __init__(self, llm: BaseChatModel, retriever: BaseRetriever, *, endpoint: str = "the LLM "
                 "endpoint", model: str = "", timeout_s: float | None = None,
                 max_tokens: int | None = None, require_finish: bool = True,
                 compute: Callable[[str], ComputedAnswer | None] | None = None) -> None:
        """`require_finish`: a reply that ends without a finish reason counts as broken off
        (OpenAI-compatible servers always send one; LangChain's fake models do not). `compute`:
        the figure a question asks Dossier to compute (assistant/answer/computing.py), given
        to the model as numbered evidence beside the passages."""
        self.compute = compute
        self._computed: ComputedAnswer | None = None
        self.chain = build_chain(llm, retriever, self._evidence if compute else None)
        self.require_finish = require_finish
        self.endpoint = endpoint
        self.model = model
        self.timeout_s = timeout_s
        self.max_tokens = max_tokens
        key = getattr(llm, "openai_api_key", None)  # ChatOpenAI's SecretStr
        self._secrets = (key.get_secret_value(),) if isinstance(key, SecretStr) else ()

    @classmethod
    def from_settings(cls, settings: Settings, retriever: BaseRetriever,
                      llm: BaseChatModel | None = None,
                      compute: Callable[[str], ComputedAnswer | None] | None = None) -> LLMAnswerer:
        s = settings.llm
        return cls(llm or chat_model(settings), retriever, endpoint=_endpoint(s.base_url),
                   model=s.model or "", timeout_s=s.timeout_s, max_tokens=s.max_tokens,
                   compute=compute)

    def _evidence(self, question: str, passages: list[Passage]) -> list[Passage]:
        """The retrieved passages, then the computed figure's operand passages and the
        computation itself, when the question asks for a figure Dossier can compute."""
        computed = self.compute(question) if self.compute else None
        self._computed = computed if computed is not None and computed.computation else None
        if self._computed is None or self._computed.computation is None:
            return passages
        known = {p.chunk_id for p in passages}
        extra = [p for p in self._computed.passages if p.chunk_id not in known]
        return [*passages, *extra, computed_passage(self._computed.computation)]

    def answer(self, question: Question, history: History | None = None) -> Answer:
        answer = None
        for item in self.stream(question, history):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def stream(self, question: Question, history: History | None = None) -> Iterator[str | Answer]:
        """Each checked sentence with its following whitespace, as it completes; then the
        Answer. The retriever gets the question's text, or with history the condensed one (a
        new text, which the retriever reads into a new `Question`)."""
        state: dict[str, Any] = {"standalone": None, "finish": None}
        chunks = self.chain.stream({"question": question.text, "history": format_history(history)})
        try:
            first = self._prepare(chunks, state)
            verifier = Verifier(first["passages"], prompts.cannot_answer())
            text = []
            for shown, sep in checked_sentences(verifier, self._deltas(chunks, state)):
                text.append(shown + sep)
                yield shown + sep
        except (openai.APIError, httpx.HTTPError) as exc:
            raise self._explain(exc, state["standalone"]) from None
        if state["finish"] is None and self.require_finish:
            raise LLMUnavailable(f"the reply from {self.endpoint} broke off before it ended",
                                 state["standalone"])
        notice = None
        if state["finish"] == "length":
            notice = (f"The reply was cut off at {self.max_tokens} tokens "
                      "(DOSSIER_LLM_MAX_TOKENS); its last sentence may be incomplete.")
        searched = state["standalone"] if state["standalone"] != question.text else None
        answer = verifier.answer(question.text, "".join(text), searched=searched, notice=notice)
        if self._computed is not None and self._computed.computation is not None and not answer.cannot_answer:
            answer.computation = cited_operands(self._computed.computation, first["passages"], verifier)
        yield answer

    def _prepare(self, chunks: Iterator[dict[str, Any]], state: dict[str, Any]) -> dict[str, Any]:
        first: dict[str, Any] = {}
        for chunk in chunks:
            first.update({k: v for k, v in chunk.items() if k != "reply"})
            if "passages" in first:
                state["standalone"] = first["standalone"]
                if "reply" in chunk:
                    state["pending"] = chunk["reply"]
                return first
        raise LLMUnavailable(f"{self.endpoint} returned nothing", state["standalone"])

    def _deltas(self, chunks: Iterator[dict[str, Any]], state: dict[str, Any]) -> Iterator[str]:
        pending = state.pop("pending", None)
        if pending is not None:
            yield from self._text(pending, state)
        for chunk in chunks:
            if "reply" in chunk:
                yield from self._text(chunk["reply"], state)

    @staticmethod
    def _text(message: BaseMessage, state: dict[str, Any]) -> Iterator[str]:
        finish = message.response_metadata.get("finish_reason")
        if finish:
            state["finish"] = finish
        if isinstance(message.content, str) and message.content:
            yield message.content

    def _explain(self, exc: Exception, searched: str | None) -> LLMError:
        where, model = self.endpoint, self.model
        if isinstance(exc, openai.APITimeoutError):
            return LLMUnavailable(f"{where} did not answer within {self.timeout_s:g} s", searched)
        if isinstance(exc, openai.APIConnectionError):
            return LLMUnavailable(f"{where} could not be reached", searched)
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return LLMConfigError(f"{where} refused the API key (HTTP {exc.status_code}): check "
                                  "OPENAI_API_KEY")
        if isinstance(exc, openai.NotFoundError) or (
            isinstance(exc, openai.BadRequestError) and _says_unknown_model(exc)
        ):
            return LLMConfigError(f"{where} has no model {model!r} (HTTP {exc.status_code}): set "
                                  "DOSSIER_LLM_MODEL to a model the endpoint serves (it lists "
                                  "them at /v1/models)")
        if isinstance(exc, openai.RateLimitError | openai.InternalServerError) or (
            isinstance(exc, openai.APIStatusError) and exc.status_code >= 500
        ):
            return LLMUnavailable(f"{where} kept answering HTTP {exc.status_code} after retries",
                                  searched)
        if isinstance(exc, openai.APIStatusError):
            return LLMConfigError(f"{where} refused the request (HTTP {exc.status_code}): "
                                  f"{_short(redact(exc.message, self._secrets))}")
        if isinstance(exc, httpx.HTTPError | openai.APIError):
            return LLMUnavailable(f"the reply from {where} broke off ({type(exc).__name__})", searched)
        return LLMError(redact(str(exc), self._secrets))


# ----------------------------------------------------------------------------------------------


def _to_passages(docs: Sequence[LCDocument]) -> list[Passage]:
    return [document_passage(d) for d in docs]


def _answer_inputs(x: Mapping[str, Any]) -> dict[str, str]:
    return {"passages": format_passages(x["passages"]), "question": x["standalone"]}


def _pick_query(x: Mapping[str, Any]) -> str:
    return str(x["q"] or x["question"])


def _one_line(text: str) -> str:
    """The rewritten question without a label, quotes or a second line."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    line = re.sub(r"^(standalone question|question)\s*:\s*", "", lines[0], flags=re.I) if lines else ""
    return line.strip().strip('"“”\'').strip()


def _attribute(text: str) -> str:
    return " ".join(text.replace('"', "'").split())


def _endpoint(base_url: str | None) -> str:
    """The endpoint as shown in messages: scheme, host and path, never credentials."""
    if not base_url:
        return "the OpenAI API"
    parts = urlparse(base_url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"the LLM endpoint {parts.scheme}://{host}{port}{parts.path}"


def _is_openai(base_url: str | None) -> bool:
    return not base_url or (urlparse(base_url).hostname or "").endswith("openai.com")


def _says_unknown_model(exc: openai.APIStatusError) -> bool:
    text = str(exc.message).lower()
    return "model" in text and any(w in text for w in ("not found", "does not exist", "unknown"))


def _short(message: str, limit: int = 200) -> str:
    one = " ".join(str(message).split())
    return one if len(one) <= limit else one[: limit - 1] + "…"
