"""The Research tab's behaviour: a question answered as a stream, sentence by sentence, with its
sources panel, filters shown as chips, and the wiring of the tab's events."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from assistant.models import Filters
from assistant.question import Question
from assistant.retrieval import matching_documents
from assistant.ui import render
from assistant.ui.assets import CONFIRM_NEW_CHAT
from assistant.ui.filters import CHIP_KEYS, ChatFilters, FilterError, accordion_label
from assistant.ui.layout import ResearchTab
from assistant.ui.store_views import StoreViews

log = logging.getLogger(__name__)

STREAM_DELAY_S = 0.04  # between streamed sentences: enough to read as streaming, never a wait


def _history(turns: list[tuple[int, Any]]) -> list[dict[str, str]]:
    """Earlier turns as chat messages, for the LLM to read a follow-up by."""
    return [message for _, answer in turns for message in (
        {"role": "user", "content": answer.question},
        {"role": "assistant", "content": answer.answer},
    )]


def new_state() -> dict[str, Any]:
    """Per-session chat state: the answered turns (for the sources panel), the last question
    as searched, as text and as read (for follow-ups), and the stored conversation's id."""
    return {"turns": [], "last": None, "question": None, "conversation": None}


class ResearchActions(StoreViews):
    def show_filters(self, company: str | None, form: str | None, date_from: str | None,
                     date_to: str | None, docs: list[str] | None) -> tuple[Any, ...]:
        """The filters as set, shown: a chip for each (a click clears it), "Clear all" when two
        or more are set, the count on the folded panel's header, what is wrong with a date."""
        chosen = ChatFilters.read(company, form, date_from, date_to, docs)
        active = chosen.active()
        labels = ({d.doc_id: render.document_label(d) for d in self.documents()}
                  if chosen.doc_ids else {})
        chips = [gr.Button(chosen.chip_label(key, labels), visible=True) if key in active
                 else gr.Button(visible=False) for key in CHIP_KEYS]
        problems = chosen.problems()
        return (gr.Row(visible=bool(active)), *chips, gr.Button(visible=len(active) > 1),
                gr.Accordion(label=accordion_label(len(active))),
                gr.HTML(render.filter_note_html(problems), visible=bool(problems)))

    def _searched_only(self, chosen: ChatFilters, filters: dict[str, Any]) -> str | None:
        """What the filters restricted the search to, with how many documents that left."""
        if not chosen.active():
            return None
        metas = self.assistant.store.registry.metas()
        return chosen.searched(len(matching_documents(metas, Filters(**filters))), len(metas))

    def _previous(self, state: dict[str, Any]) -> Question | None:
        """The last question as read; a reopened conversation keeps only its text, read here."""
        question, last = state.get("question"), state.get("last")
        if question is not None and question.text == last:
            return question
        return self.assistant.read(last) if last else None

    def respond(self, question: str, history: list[dict[str, Any]], state: dict[str, Any],
                company: str | None, form: str | None, date_from: str | None,
                date_to: str | None, docs: list[str] | None,
                request: gr.Request | None = None) -> Iterator[tuple[Any, ...]]:
        """Stream one answer: the question, a searching note, then the answer sentence by
        sentence with the sources panel filled in at the first sentence. The answer is stored
        in the conversation (`request`: whose, when the chat has a login)."""
        typed = " ".join((question or "").split())
        if not typed:
            yield history, gr.skip(), "", state
            return
        state = {**new_state(), **state, "turns": list(state.get("turns", []))}
        generated = self.settings.llm.configured  # the LLM condenses follow-ups from the history
        to_ask = (self.assistant.read(typed) if generated
                  else self.assistant.follow_up(typed, self._previous(state)))
        searched = to_ask.text
        history = [*history, {"role": "user", "content": render.question_markdown(typed)},
                   {"role": "assistant", "content": render.searching_markdown(len(self.documents()))}]
        yield history, gr.skip(), "", state
        chosen = ChatFilters.read(company, form, date_from, date_to, docs)
        try:
            filters = chosen.checked()
            answer = self.assistant.ask(
                to_ask, history=_history(state["turns"]) if generated else None, **filters)
        except FilterError as exc:  # the question stays in the box, to ask again once fixed
            history[-1] = {"role": "assistant", "content": render.filter_error_markdown(str(exc))}
            unsearched = (typed, "nothing was searched, a filter needs correcting")
            yield history, render.sources_html(state["turns"], unsearched), typed, state
            return
        except Exception as exc:  # shown as a message, never a stack trace
            log.exception("question failed: %s", searched)
            history[-1] = {"role": "assistant", "content": render.error_markdown(render.error_reason(exc))}
            yield history, render.sources_html(state["turns"], (typed, "the search failed")), "", state
            return
        turn = len(state["turns"]) + 1
        state["turns"].append((turn, answer))
        state["conversation"] = self.conversations.save(state["conversation"], typed, answer,
                                                        filters, request)
        searched = answer.searched or searched
        state["last"] = searched
        state["question"] = to_ask
        rewritten = searched if searched != typed else None
        panel = render.sources_html(state["turns"])
        named = self._searched_only(chosen, filters)
        if answer.cannot_answer:
            history[-1] = {"role": "assistant", "content": render.answer_markdown(
                answer, turn, rewritten=rewritten, filters=named)}
            yield history, panel, "", state
            return
        units = len(render.answer_units(answer, turn))
        for upto in range(1, units + 1):
            history[-1] = {"role": "assistant", "content": render.answer_markdown(
                answer, turn, upto=upto, rewritten=rewritten, filters=named)}
            yield history, panel, "", state
            if upto < units:
                time.sleep(STREAM_DELAY_S)

    def _wire_research(self, tab: ResearchTab, state: gr.State) -> None:
        ask_inputs = tab.ask_inputs(state)
        ask_outputs = [tab.chatbot, tab.sources, tab.question, state]
        answered = [
            tab.question.submit(self.respond, ask_inputs, ask_outputs),
            tab.ask.click(self.respond, ask_inputs, ask_outputs),
            tab.chatbot.example_select(_example_text, None, tab.question).then(
                self.respond, ask_inputs, ask_outputs),
        ]
        cleared = [
            tab.clear.click(_new_chat, tab.question,
                            [tab.chatbot, tab.sources, tab.question, state], queue=False,
                            js=CONFIRM_NEW_CHAT),
            tab.chatbot.clear(lambda: (render.EMPTY_SOURCES, new_state()), None,
                              [tab.sources, state], queue=False),
        ]
        self.conversations.wire(tab.conversations, tab.chatbot, tab.sources, state, answered,
                                cleared)
        self._wire_filters(tab)

    def _wire_filters(self, tab: ResearchTab) -> None:
        """Chips follow the filters: a pick at once, a typed date once left (or Enter); a chip
        clears its filter, "Clear all" every one."""
        inputs, outputs = tab.filter_inputs(), tab.chips.outputs(tab.filters_panel)
        for picked in (tab.company, tab.form, tab.only_docs):
            picked.change(self.show_filters, inputs, outputs, queue=False)
        for typed in (tab.date_from, tab.date_to):
            typed.blur(self.show_filters, inputs, outputs, queue=False)
            typed.submit(self.show_filters, inputs, outputs, queue=False)
        blank: dict[str, Any] = {"company": None, "form": None, "date_from": "", "date_to": "",
                                 "doc_ids": []}
        for (key, chip), box in zip(tab.chips.chips.items(), inputs, strict=True):
            chip.click(lambda value=blank[key]: value, None, box, queue=False).then(
                self.show_filters, inputs, outputs, queue=False)
        tab.chips.clear_all.click(lambda: tuple(blank.values()), None, inputs, queue=False).then(
            self.show_filters, inputs, outputs, queue=False)


def _new_chat(question: str | None) -> tuple[Any, ...]:
    """An empty chat; nothing changes when the confirmation was declined (`question` None)."""
    if question is None:
        return gr.skip(), gr.skip(), gr.skip(), gr.skip()
    return [], render.EMPTY_SOURCES, "", new_state()


def _example_text(evt: gr.SelectData) -> str:
    value = evt.value
    return str(value.get("text", "")) if isinstance(value, dict) else str(value)


