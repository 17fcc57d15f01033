"""The chat's lasting conversations: each answered question is stored (assistant/conversations.py)
under the signed-in user ("" without DOSSIER_AUTH); the Conversations list shows the user's own,
newest first, titled by their first question; choosing one reopens it (its answers, sources and
follow-up context); it can be renamed or deleted; and the latest answer or the whole
conversation downloads as Markdown (assistant/rendering.py's export)."""

from __future__ import annotations

import logging
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.conversations import Conversation, ConversationNotFound, ConversationStore
from assistant.errors import InputError
from assistant.models import Answer
from assistant.rendering import answer_markdown, conversation_markdown
from assistant.ui import render
from assistant.ui.filters import ChatFilters

log = logging.getLogger(__name__)

LIST_LIMIT = 200  # conversations in the list; the store keeps them all


@dataclass
class ConversationsPanel:
    listing: gr.Radio
    title: gr.Textbox
    rename: gr.Button
    delete: gr.Button
    note: gr.Markdown
    answer_download: gr.DownloadButton
    conversation_download: gr.DownloadButton


def downloads_row() -> tuple[gr.DownloadButton, gr.DownloadButton]:
    """The two Markdown downloads under the question box, shown once there is an answer."""
    with gr.Row(elem_id="downloads"):
        answer = gr.DownloadButton("Download answer (Markdown)", visible=False, size="sm",
                                   elem_id="download-answer")
        whole = gr.DownloadButton("Download conversation (Markdown)", visible=False, size="sm",
                                  elem_id="download-conversation")
    return answer, whole


def conversations_panel(answer_download: gr.DownloadButton,
                        conversation_download: gr.DownloadButton) -> ConversationsPanel:
    with gr.Accordion("Conversations", open=False, elem_id="conversations"):
        listing = gr.Radio(choices=[], value=None, show_label=False, elem_id="conversation-list")
        with gr.Row(equal_height=False):
            title = gr.Textbox(label="Title of the open conversation", scale=4,
                               elem_id="conversation-title")
            rename = gr.Button("Rename", scale=0, min_width=90, elem_id="rename-conversation")
            delete = gr.Button("Delete", variant="stop", scale=0, min_width=90,
                               elem_id="delete-conversation")
        note = gr.Markdown(elem_id="conversation-note")
    return ConversationsPanel(listing, title, rename, delete, note, answer_download,
                              conversation_download)


def user_of(request: gr.Request | None) -> str:
    """Whose conversations: the signed-in user, or "" when the chat has no login."""
    return str(getattr(request, "username", None) or "") if request is not None else ""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "conversation"


def chat_messages(conversation: Conversation) -> tuple[list[dict[str, str]],
                                                       list[tuple[int, Answer]], str | None]:
    """A stored conversation as the chat shows it: its messages, its turns for the sources
    panel, and the last question as searched (what a follow-up builds on)."""
    messages: list[dict[str, str]] = []
    turns: list[tuple[int, Answer]] = []
    last = None
    for number, turn in enumerate(conversation.turns, start=1):
        last = turn.answer.searched or turn.answer.question
        rewritten = last if last != turn.question else None
        messages += [{"role": "user", "content": render.question_markdown(turn.question)},
                     {"role": "assistant",
                      "content": render.answer_markdown(
                          turn.answer, number, rewritten=rewritten,
                          filters=ChatFilters.stored(turn.filters).summary())}]
        turns.append((number, turn.answer))
    return messages, turns, last


class Conversations:
    """The handlers behind the panel, over one store."""

    def __init__(self, store: ConversationStore) -> None:
        self.store = store
        self._exports = tempfile.TemporaryDirectory(prefix="dossier-exports-")

    def close(self) -> None:
        self.store.close()
        self._exports.cleanup()

    def save(self, conversation_id: str | None, question: str, answer: Answer,
             filters: dict[str, Any], request: gr.Request | None) -> str | None:
        """Store an answered question; the conversation's id (None when it could not be
        stored: the answer is still shown, and the failure logged)."""
        user = user_of(request)
        try:
            try:
                return self.store.add_turn(conversation_id, user, question, answer, filters)
            except ConversationNotFound:  # deleted in another tab: start a new one
                return self.store.add_turn(None, user, question, answer, filters)
        except Exception:
            log.exception("could not store the conversation")
            return conversation_id

    def choices(self, user: str) -> list[tuple[str, str]]:
        return [(f"{c.title} · {render.display_date(c.updated_at)}", c.id)
                for c in self.store.newest(user, LIST_LIMIT)]

    def listing(self, request: gr.Request | None = None, selected: str | None = None) -> Any:
        return gr.Radio(choices=self.choices(user_of(request)), value=selected)

    def exports(self, conversation: Conversation) -> tuple[Any, Any]:
        """The two downloads: the latest answer, and the whole conversation, as Markdown files."""
        folder = Path(self._exports.name) / conversation.id
        folder.mkdir(exist_ok=True)
        slug = _slug(conversation.title)
        last = conversation.turns[-1]
        answer_file = folder / f"dossier-answer-{slug}.md"
        answer_file.write_text(answer_markdown(last.answer, last.question), encoding="utf-8")
        whole_file = folder / f"dossier-{slug}.md"
        whole_file.write_text(conversation_markdown(
            conversation.title, [(t.question, t.answer) for t in conversation.turns],
            started=render.display_date(conversation.summary.created_at)), encoding="utf-8")
        return (gr.DownloadButton(value=str(answer_file), visible=True),
                gr.DownloadButton(value=str(whole_file), visible=True))

    def after_answer(self, state: dict[str, Any], request: gr.Request | None = None
                     ) -> tuple[Any, ...]:
        """Once an answer is in: the list (this conversation on top, chosen), the downloads and
        the title box."""
        conversation_id = state.get("conversation")
        if conversation_id is None:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        try:
            conversation = self.store.get(conversation_id, user_of(request))
        except ConversationNotFound:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return (self.listing(request, conversation.id), *self.exports(conversation),
                conversation.title)

    def reopen(self, conversation_id: str | None, request: gr.Request | None = None
               ) -> tuple[Any, ...]:
        """Show a stored conversation as it was: messages, sources, downloads, title; the state
        continues it, so a follow-up builds on its last question."""
        try:
            if not conversation_id:
                raise ConversationNotFound("no conversation chosen")
            conversation = self.store.get(conversation_id, user_of(request))
        except ConversationNotFound:
            return (gr.skip(), gr.skip(), gr.skip(), self.listing(request), gr.skip(),
                    gr.skip(), gr.skip(), "That conversation is no longer stored.")
        messages, turns, last = chat_messages(conversation)
        state = {"turns": turns, "last": last, "conversation": conversation.id}
        return (messages, render.sources_html(turns), state, gr.skip(),
                *self.exports(conversation), conversation.title, "")

    def rename(self, title: str, state: dict[str, Any], request: gr.Request | None = None
               ) -> tuple[Any, ...]:
        conversation_id = state.get("conversation")
        if conversation_id is None:
            return gr.skip(), gr.skip(), "Ask a question first: there is no conversation to rename."
        try:
            stored = self.store.rename(conversation_id, user_of(request), title or "")
        except (InputError, ConversationNotFound) as exc:
            return gr.skip(), gr.skip(), f"Not renamed: {exc}."
        return self.listing(request, conversation_id), stored, f"Renamed to “{stored}”."

    def delete(self, state: dict[str, Any], request: gr.Request | None = None
               ) -> tuple[Any, ...]:
        """Delete the open conversation and start a new chat."""
        conversation_id = state.get("conversation")
        if conversation_id is None:
            return (*(gr.skip(),) * 7, "No conversation is open.")
        self.store.delete(conversation_id, user_of(request))
        return ([], render.EMPTY_SOURCES, {"turns": [], "last": None, "conversation": None},
                self.listing(request), gr.DownloadButton(visible=False),
                gr.DownloadButton(visible=False), "", "Conversation deleted.")

    def closed(self, request: gr.Request | None = None) -> tuple[Any, ...]:
        """After New chat: nothing chosen in the list, no downloads, no title."""
        return (self.listing(request), gr.DownloadButton(visible=False),
                gr.DownloadButton(visible=False), "")

    def wire(self, panel: ConversationsPanel, chatbot: gr.Chatbot, sources: gr.HTML,
             state: gr.State, answered: list[Any], cleared: list[Any]) -> None:
        """Connect the panel: `answered`, the events that end with an answer in `state`;
        `cleared`, those that start a new chat."""
        downloads = [panel.answer_download, panel.conversation_download]
        for event in answered:
            event.then(self.after_answer, [state], [panel.listing, *downloads, panel.title])
        for event in cleared:
            event.then(self.closed, None, [panel.listing, *downloads, panel.title], queue=False)
        shown = [chatbot, sources, state, panel.listing, *downloads, panel.title, panel.note]
        panel.listing.input(self.reopen, [panel.listing], shown)
        panel.rename.click(self.rename, [panel.title, state],
                           [panel.listing, panel.title, panel.note])
        panel.delete.click(self.delete, [state], shown)
