"""The research chat: a Gradio Blocks app over one `Assistant`.

    from assistant import Assistant
    from assistant.ui import ChatApp
    ChatApp(Assistant()).launch()          # what `dossier chat` and `Assistant.chat()` run

Research tab: the chat (answers stream sentence by sentence, each [n] links to its source card),
filters retrieval honours, and the sources panel. Library tab: upload files or paste URLs to
ingest, the documents in the store, delete. Safe defaults: 127.0.0.1, optional login
(DOSSIER_AUTH), a concurrency limit, upload size and type limits, sanitised upload names, and
only the ingested files themselves served as originals.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.api import Assistant
from assistant.conversations import ConversationStore
from assistant.models import Filters
from assistant.question import Question
from assistant.retrieval import matching_documents
from assistant.ui import render
from assistant.ui.assets import CONFIRM_DELETE, CONFIRM_NEW_CHAT, CSS, HEAD, theme
from assistant.ui.conversations import Conversations
from assistant.ui.filters import (
    CHIP_KEYS,
    ChatFilters,
    FilterError,
    accordion_label,
    company_choices,
    company_labels,
)
from assistant.ui.layout import LibraryTab, ResearchTab, examples, library_tab, research_tab
from assistant.ui.safety import check_upload, parse_auth, sanitize_filename
from assistant.ui.sandbox import SandboxOriginals
from ingest.locations import is_url
from ingest.lock import StoreBusyError

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


class ChatApp:
    mcp = False  # also serve the MCP tools at /mcp (the `mcp` extra)
    allow_ingest = False  # ... their `ingest` tool too

    def __init__(self, assistant: Assistant, *, mcp: bool = False,
                 allow_ingest: bool = False) -> None:
        self.assistant = assistant
        self.mcp, self.allow_ingest = mcp, allow_ingest
        self.settings = assistant.settings
        self.uploads = Path(self.settings.store.home) / "uploads"
        self._write = threading.Lock()
        self.conversations = Conversations(ConversationStore.at_home(self.settings.store.home))
        # Open the store (Chroma included) now: the first question should not pay for it, and
        # the worker threads then share one embedder and one store.
        self.assistant.store.open_chroma()
        self.demo = self.build()

    # ------------------------------------------------------------------------------------------
    # what the store holds

    def documents(self) -> list[Any]:
        return self.assistant.documents()

    def original_paths(self) -> list[str]:
        """The files the app may serve: exactly the ingested ones that still exist."""
        return [d.source for d in self.documents()
                if not is_url(d.source) and Path(d.source).is_file()]

    def status_line(self) -> str:
        docs = self.documents()
        chunks = sum(d.n_chunks for d in docs)
        mode = "generated answers" if self.settings.llm.configured else "offline extractive answers"
        if not docs:
            return ("**Dossier** · the store is empty: add filings or articles in the "
                    "**Library** tab")
        return (f"**Dossier** · {len(docs)} document{'' if len(docs) == 1 else 's'} · "
                f"{chunks} passage{'' if chunks == 1 else 's'} · {mode}")

    def refresh(self) -> tuple[Any, ...]:
        """Every view of the store: status, library table, delete choices, filter choices,
        example questions. Also lets the file route serve newly ingested originals."""
        docs = self.documents()
        self.demo.allowed_paths[:] = self.original_paths()
        companies = company_choices(d.meta for d in docs)
        forms = sorted({d.meta.form for d in docs if d.meta.form})
        doc_choices = [(render.document_label(d), d.doc_id) for d in docs]
        suggested = examples(docs)
        return (
            self.status_line(),
            {"headers": render.LIBRARY_COLUMNS, "data": render.library_rows(docs)},
            gr.Dropdown(choices=doc_choices, value=None),
            gr.Dropdown(choices=company_labels(companies, self.assistant.companies())),
            gr.Dropdown(choices=forms),
            gr.Dropdown(choices=doc_choices),
            gr.Chatbot(examples=suggested or None),
        )

    # ------------------------------------------------------------------------------------------
    # asking

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
            history[-1] = {"role": "assistant", "content": render.error_markdown(_reason(exc))}
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

    # ------------------------------------------------------------------------------------------
    # the library

    def add(self, files: list[str] | None, urls: str | None,
            progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008 (Gradio's idiom)
        """Ingest uploaded files and pasted URLs, one at a time with progress."""
        messages: list[tuple[str, str]] = []
        inputs = self._stage_uploads(files or [], messages) + _pasted_urls(urls, messages)
        if not inputs and not messages:
            messages.append(("note", "Choose files or paste URLs first."))
        counts = self._ingest_each(inputs, messages, progress)
        counts["failed"] = sum(1 for tag, _ in messages if tag == "failed")
        summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
        return (render.report_html(messages, f"{summary}." if summary else ""), None, "",
                *self.refresh())

    def _stage_uploads(self, files: list[str], messages: list[tuple[str, str]]) -> list[str]:
        """Uploaded files within the limits, copied under a safe name into the uploads folder."""
        staged = []
        for temp in files:
            name = sanitize_filename(Path(temp).name)
            refused = check_upload(name, Path(temp).stat().st_size,
                                   self.settings.chat.upload_max_bytes)
            if refused:
                messages.append(("failed", refused))
                continue
            self.uploads.mkdir(parents=True, exist_ok=True)
            target = self.uploads / name
            shutil.copyfile(temp, target)
            staged.append(str(target.resolve()))
        return staged

    def _ingest_each(self, inputs: list[str], messages: list[tuple[str, str]],
                     progress: gr.Progress) -> dict[str, int]:
        counts = {"added": 0, "replaced": 0, "unchanged": 0}
        with self._write:
            for i, source in enumerate(inputs):
                label = source if is_url(source) else Path(source).name
                progress((i, len(inputs)), desc=f"Ingesting {label}")
                try:
                    report = self.assistant.ingest([source], progress=False, wait_for_lock_s=30)
                except StoreBusyError as exc:
                    messages.append(("failed", f"{label}: {exc}"))
                    continue
                except Exception as exc:
                    log.exception("ingest failed: %s", source)
                    messages.append(("failed", f"{label}: {_reason(exc)}"))
                    continue
                for _, reason in report.failed:
                    messages.append(("failed", f"{label}: {reason}"))
                for outcome in counts:
                    if getattr(report, outcome):
                        counts[outcome] += 1
                        passages = f"{report.chunks} passage{'' if report.chunks == 1 else 's'}"
                        messages.append((outcome, f"{label} ({passages})"))
            progress((len(inputs), len(inputs)), desc="Done")
        return counts

    def delete(self, doc_id: str | None) -> tuple[Any, ...]:
        if not doc_id:  # none chosen, or the confirmation declined
            return (render.report_html([("note", "Nothing deleted: choose a document, then "
                                                 "confirm.")]),
                    *self.refresh())
        record = next((d for d in self.documents() if d.doc_id == doc_id), None)
        if record is None:
            return (render.report_html([("note", "That document is no longer in the store.")]),
                    *self.refresh())
        try:
            with self._write:
                deleted = self.assistant.delete(doc_id)
        except Exception as exc:
            log.exception("delete failed: %s", doc_id)
            return (render.report_html([("failed", _reason(exc))]), *self.refresh())
        uploaded = Path(record.source)
        if deleted and uploaded.parent == self.uploads.resolve() and uploaded.is_file():
            uploaded.unlink()
        label = render.document_label(record)
        line = ("deleted", label) if deleted else ("failed", f"could not delete {label}")
        return (render.report_html([line]), *self.refresh())

    # ------------------------------------------------------------------------------------------
    # the app

    def build(self) -> gr.Blocks:
        docs = self.documents()
        with gr.Blocks(title="Dossier", analytics_enabled=False) as demo:  # no telemetry
            self.demo = demo
            state = gr.State(new_state())
            with gr.Row(elem_id="topbar"):
                status = gr.Markdown(self.status_line(), elem_id="status")
            with gr.Tabs(elem_id="tabs"):
                research = research_tab(docs)
                library = library_tab(docs, self.settings.chat.upload_max_mb)
            views = [status, library.library, library.to_delete, research.company, research.form,
                     research.only_docs, research.chatbot]
            self._wire_research(research, state)
            self._wire_library(library, views)
            demo.load(self.refresh, None, views)
            demo.load(self.conversations.listing, None, research.conversations.listing)
        return demo

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

    def _wire_library(self, tab: LibraryTab, views: list[Any]) -> None:
        tab.add.click(self.add, [tab.upload, tab.urls], [tab.ingest_status, tab.upload, tab.urls,
                                                        *views], concurrency_limit=1)
        tab.delete.click(self.delete, [tab.to_delete], [tab.delete_status, *views],
                         concurrency_limit=1, js=CONFIRM_DELETE)

    def launch_kwargs(self, **overrides: Any) -> dict[str, Any]:
        """What `launch` passes to Gradio: the safe defaults, then `overrides`."""
        chat = self.settings.chat
        auth = chat.auth.get_secret_value() if chat.auth else None
        kwargs: dict[str, Any] = {
            "server_name": "127.0.0.1",
            "server_port": None,  # Gradio: GRADIO_SERVER_PORT, else the first free from 7860
            "share": False,
            "auth": parse_auth(auth),
            "allowed_paths": self.original_paths(),
            "max_file_size": chat.upload_max_bytes,
            "show_error": False,
            "footer_links": [],
            "run_history": False,
            "enable_monitoring": False,
            "mcp_server": False,
            "ssr_mode": False,
            "pwa": False,
            "theme": theme(),
            "css": CSS,
            "head": HEAD,
            "app_kwargs": {"middleware": [SandboxOriginals.middleware()]},
        }
        if kwargs["auth"]:
            kwargs["auth_message"] = "Dossier: sign in with the user and password you were given."
        kwargs.update(overrides)
        if kwargs.get("share"):
            raise ValueError("share links are not offered: use --host to expose the chat")
        from assistant.serve.beside_chat import serve_beside_chat  # the JSON API (and MCP)

        kwargs["app_kwargs"] = {**kwargs["app_kwargs"], "lifespan": serve_beside_chat(
            self.assistant, host=kwargs["server_name"], concurrency=self.settings.chat.concurrency,
            mcp=self.mcp, allow_ingest=self.allow_ingest)}
        return kwargs

    def launch(self, **overrides: Any) -> Any:
        self.demo.queue(default_concurrency_limit=self.settings.chat.concurrency)
        return self.demo.launch(**self.launch_kwargs(**overrides))

    def close(self) -> None:
        self.demo.close()
        self.conversations.close()

    def __repr__(self) -> str:
        url = getattr(self.demo, "local_url", None)
        return f"Dossier chat at {url} (.close() stops it)" if url else "Dossier chat (not running)"


def _pasted_urls(urls: str | None, messages: list[tuple[str, str]]) -> list[str]:
    """The http(s) URLs pasted, one a line; anything else is reported as failed."""
    accepted = []
    for line in (urls or "").splitlines():
        url = line.strip()
        if url and is_url(url):
            accepted.append(url)
        elif url:
            messages.append(("failed", f"{url}: not an http(s) URL"))
    return accepted


def _new_chat(question: str | None) -> tuple[Any, ...]:
    """An empty chat; nothing changes when the confirmation was declined (`question` None)."""
    if question is None:
        return gr.skip(), gr.skip(), gr.skip(), gr.skip()
    return [], render.EMPTY_SOURCES, "", new_state()


def _example_text(evt: gr.SelectData) -> str:
    value = evt.value
    return str(value.get("text", "")) if isinstance(value, dict) else str(value)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
