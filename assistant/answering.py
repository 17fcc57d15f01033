"""What `Assistant.ask_stream` does with a question it has read: a comparison answered part by
part (assistant/comparison.py); a single question answered extractively (the computed figure
when one is asked for, else quoted sentences) or by the LLM over the Assistant's own search,
with the extractive answer standing in when the endpoint cannot answer."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from assistant.models import Answer, Filters

if TYPE_CHECKING:
    from assistant.answer.computing import ComputedAnswer
    from assistant.api import Assistant
    from assistant.comparison import Part
    from assistant.question import Question
    from assistant.scope import SearchResults

log = logging.getLogger(__name__)

# The offline answerer reads, after the k pages found, up to this many more chunks of each: the
# results are pages shown by their best chunk, and the row that answers (iPhone's in a table of
# net sales by product) can sit in another chunk of the same page.
ANSWER_SIBLINGS = 2


def answer_stream(assistant: Assistant, asked: Question, k: int | None, *, mode: str | None,
                  history: Sequence[Mapping[str, str]] | None,
                  **filters: Any) -> Iterator[str | Answer]:
    extractive = assistant.answer_mode(mode) == "extractive"
    from assistant.comparison import comparison_parts

    metas = assistant.store.registry.metas()
    parts = comparison_parts(asked, metas)
    if parts:
        yield compare(assistant, asked, parts, k, mode=mode, **filters)
        return
    yield from single_stream(assistant, asked, k, extractive=extractive, history=history, **filters)


def compare(assistant: Assistant, asked: Question, parts: list[Part], k: int | None, *,
            mode: str | None, **filters: Any) -> Answer:
    """A comparison, each part asked on its own (assistant/comparison.py)."""
    from assistant.comparison import answer_parts, part_question

    chosen = assistant.answer_mode(mode)
    metas = assistant.store.registry.metas()

    def ask_part(text: str) -> Answer:
        answer: Answer | None = None
        for item in single_stream(assistant, part_question(assistant.read(text, metas)), k,
                                  extractive=chosen == "extractive", history=None, **filters):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    return answer_parts(asked, parts, ask_part, chosen, filtered=not Filters(**filters).is_empty())


def single_stream(assistant: Assistant, asked: Question, k: int | None, *, extractive: bool,
                  history: Sequence[Mapping[str, str]] | None,
                  **filters: Any) -> Iterator[str | Answer]:
    if extractive:
        yield answer_extractively(assistant, asked, k, **filters)
        return
    from assistant.answer.errors import LLMUnavailable
    from assistant.answer.llm import LLMAnswerer
    from assistant.lc_retriever import DossierRetriever

    scopes: list[str | None] = []
    read = {asked.text: asked}  # a condensed follow-up is a new text, read once

    def question_of(text: str) -> Question:
        if text not in read:
            read[text] = assistant.read(text)
        return read[text]

    searched: list[SearchResults] = []

    def search(query: str) -> SearchResults:
        results = assistant.search(question_of(query), k, **filters)
        scopes.append(results.scope.describe() if results.scope else None)
        searched.append(results)
        return results

    def compute(query: str) -> ComputedAnswer | None:
        if not searched:
            return None
        return assistant.compute(question_of(query), searched[-1], filters.get("doc_ids"))

    answerer = LLMAnswerer.from_settings(assistant.settings, DossierRetriever(search=search),
                                         assistant.chat_model, compute=compute)
    try:
        for item in answerer.stream(asked, history):
            if isinstance(item, Answer):
                item.scope = scopes[-1] if scopes else None
            yield item
    except LLMUnavailable as exc:
        log.warning("LLM unavailable, answering extractively: %s", exc)
        fallback = answer_extractively(assistant, question_of(exc.search_query or asked.text), k,
                                     **filters)
        fallback.question = asked.text
        fallback.notice = f"{str(exc)[:1].upper()}{str(exc)[1:]}; this is the offline extractive answer."
        yield fallback


def answer_extractively(assistant: Assistant, question: Question, k: int | None = None,
                      **filters: Any) -> Answer:
    from assistant.answer.computing import computed_answer
    from assistant.answer.extractive import extractive_answer
    from assistant.answer.verify import quoted_claims

    passages = assistant.search(question, k, siblings=ANSWER_SIBLINGS, **filters)
    registry = assistant.store.registry
    computed = assistant.compute(question, passages, filters.get("doc_ids"))
    scope = passages.scope.describe() if passages.scope else None
    if computed is not None and computed.computation is not None:
        answer = computed_answer(question.text, computed, passages)
        answer.scope = scope
        return answer
    texts = {p.doc_id: registry.document_text(p.doc_id) or "" for p in passages}
    answer = extractive_answer(
        question, passages, assistant.embedder, max_sentences=assistant.settings.answer.sentences,
        min_support=assistant.settings.answer.min_support, document_texts=texts,
    )
    answer.scope = scope
    answer.claims = quoted_claims(answer)
    answer.notice = computed.problem if computed is not None and computed.problem else None
    return answer
