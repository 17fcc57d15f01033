"""The chat app driven without a browser: asked questions stored as conversations, reopened
(with follow-ups), renamed, deleted and downloaded, each user seeing only their own; a reopened
conversation's answers name the filters they were searched with."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.embeddings import LocalMiniLM
from tests.chat_samples import sample_answer

ALIBABA = "How much is Alibaba investing in AI and cloud infrastructure?"


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory, two_document_store: Path,
         minilm: LocalMiniLM) -> Iterator[Any]:
    import shutil

    from assistant import Assistant
    from assistant.ui.app import ChatApp

    home = tmp_path_factory.mktemp("chat-app") / "home"
    shutil.copytree(two_document_store, home)
    with Assistant(home=home, embedder=minilm) as assistant:
        app = ChatApp(assistant)
        yield app
        app.conversations.close()


def _ask(chat: Any, question: str, state: dict[str, Any], history: list[Any],
         request: Any) -> tuple[list[Any], dict[str, Any]]:
    *_, (history, _, _, state) = chat.respond(question, history, state, None, None, None, None,
                                              None, request)
    return history, state


def _download(button: Any) -> str:
    """The text of the file a DownloadButton offers."""
    assert button.visible is True
    return Path(button.value["path"]).read_text(encoding="utf-8")


def test_asked_questions_last_reopen_with_follow_ups_and_download(chat: Any) -> None:
    import gradio as gr

    from assistant.ui.app import new_state

    alice = gr.Request(username="alice")
    history, state = _ask(chat, ALIBABA, new_state(), [], alice)
    history, state = _ask(chat, "What about cloud revenue?", state, history, alice)
    conversation_id = state["conversation"]
    listing, answer_file, whole_file, title = chat.conversations.after_answer(state, alice)
    assert listing.choices[0][1] == conversation_id and listing.value == conversation_id
    assert listing.choices[0][0].startswith(ALIBABA)  # titled by its first question
    assert title == ALIBABA

    # A reload: a fresh session reopens it from the list, as it was shown.
    messages, sources, reopened, _, *downloads, shown_title, _ = chat.conversations.reopen(
        conversation_id, alice)
    assert messages == history
    assert reopened["last"] == state["last"] == "cloud revenue, Alibaba"
    assert 'class="src-card"' in sources and shown_title == ALIBABA
    # A follow-up in the reopened conversation builds on its last question and is stored in it.
    _, more = _ask(chat, "And free cash flow?", reopened, messages, alice)
    assert more["conversation"] == conversation_id
    stored = chat.conversations.store.get(conversation_id, "alice")
    assert [t.question for t in stored.turns][-1] == "And free cash flow?"
    last = stored.turns[-1].answer
    assert (last.searched or last.question) == "free cash flow, Alibaba"

    # The downloads: the latest answer and the whole conversation, as shown.
    whole = _download(whole_file)
    assert whole.startswith(f"# {ALIBABA}\n") and "## 2. What about cloud revenue?" in whole
    assert "380 billion yuan" in whole and "**Sources**" in whole
    latest = _download(answer_file)
    assert latest.startswith("**Q:** What about cloud revenue?")
    assert "## 2. What about cloud revenue?" in _download(downloads[1])  # as reopened
    assert "And free cash flow?" not in whole  # each export as it was when made
    assert "## 3. And free cash flow?" in _download(chat.conversations.after_answer(more, alice)[2])


def test_each_user_sees_renames_and_deletes_only_their_own(chat: Any) -> None:
    import gradio as gr

    from assistant.ui.app import new_state

    bob, carol = gr.Request(username="bob"), gr.Request(username="carol")
    _, state = _ask(chat, ALIBABA, new_state(), [], bob)
    assert chat.conversations.listing(carol).choices == []
    assert [v for _, v in chat.conversations.listing(bob).choices] == [state["conversation"]]
    # carol cannot open bob's conversation by its id
    assert chat.conversations.reopen(state["conversation"], carol)[-1] == (
        "That conversation is no longer stored.")
    listing, title, note = chat.conversations.rename("Bob's memo", state, bob)
    assert title == "Bob's memo" and listing.choices[0][0].startswith("Bob's memo")
    assert chat.conversations.rename(" ", state, bob)[-1].startswith("Not renamed")
    deleted = chat.conversations.delete(state, bob)
    assert deleted[0] == [] and deleted[2]["conversation"] is None
    assert chat.conversations.listing(bob).choices == []
    # another tab still showing the deleted conversation: its next question starts a new one
    _, stale = _ask(chat, "What about cloud revenue?", state, [], bob)
    assert stale["conversation"] not in (None, state["conversation"])
    assert [v for _, v in chat.conversations.listing(bob).choices] == [stale["conversation"]]


def test_a_reopened_conversation_names_the_filters_each_answer_was_searched_with() -> None:
    from assistant.conversations import Conversation, ConversationSummary, Turn
    from assistant.ui.conversations import chat_messages

    summary = ConversationSummary(id="c", title="t", created_at="", updated_at="", questions=2)
    turns = [Turn("Dividend in 2019?", sample_answer(cannot=True), {"company": "Nordstrom",
                                                             "date_to": "2023-12-31"}),
             Turn("How much is Alibaba investing?", sample_answer(), {})]
    messages, _, _ = chat_messages(Conversation(summary, turns))
    refusal, answered = messages[1]["content"], messages[3]["content"]
    assert "searched only Nordstrom documents, dated 2023-12-31 or earlier" in refusal
    assert "filter-scope" not in answered

