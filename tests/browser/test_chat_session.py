"""One reader's session in the browser, test after test on one page: accessible names, an answer
streamed with its citations and source cards, a follow-up and a refusal, a new chat and the
example questions, the Library (its table, an upload, a delete, confirmations), a reload that
reopens and downloads the conversation; then, with a login, each user's own conversations only."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from assistant import Assistant
from tests.browser.chat_page import (
    DIALOGS,
    QUESTION,
    SCREENSHOTS,
    TIMEOUT_MS,
    ask,
    served,
    wait_for_whole_answer,
)

TWO_PART = "What are Alibaba's plans for AI spending and how did its cloud revenue grow?"


def unnamed_buttons(page: Any) -> list[str]:
    """The visible buttons a screen reader would announce only as "button": no text, no
    aria-label, no aria-labelledby, no title (their outer HTML, to say which)."""
    return page.evaluate("""() => [...document.querySelectorAll('button, [role=button]')]
        .filter((b) => b.offsetParent !== null)
        .filter((b) => !(b.innerText || '').trim() && !b.getAttribute('aria-label')
                       && !b.getAttribute('aria-labelledby') && !b.getAttribute('title'))
        .map((b) => b.outerHTML.slice(0, 160))""")


def test_input_and_buttons_have_accessible_names(page: Any) -> None:
    page.get_by_role("textbox", name="Question").wait_for()
    assert page.get_by_role("textbox", name="Textbox").count() == 0
    page.get_by_role("button", name="Ask").wait_for()
    page.get_by_role("button", name="New chat").wait_for()
    assert unnamed_buttons(page) == []


def test_answer_streams_with_citations_and_sources(page: Any, server: str) -> None:
    page.wait_for_selector("#chat button.example")  # example questions from the store
    examples = page.locator("#chat button.example").all_inner_texts()
    assert QUESTION in examples
    page.screenshot(path=str(SCREENSHOTS / "chat-start.png"))
    ask(page, QUESTION)
    page.wait_for_selector("#chat .msg.searching")
    page.wait_for_selector("#chat .msg.answer:has-text('380 billion yuan')")
    wait_for_whole_answer(page)
    answer = page.locator("#chat .msg.answer").last
    cites = answer.locator("a.cite")
    total = cites.count()
    assert total >= 1 and cites.first.inner_text() == "[1]"
    assert cites.first.get_attribute("href") == "#src-1-1"

    # the sources panel: the quoted sentence highlighted in its passage
    card = page.locator("#sources .src-card:has(mark.quote:has-text('380 billion yuan'))")
    assert card.count() == 1
    assert "Alibaba" in card.locator(".src-title").inner_text()
    # the link opens the original, served by the app (only ingested files are)
    href = card.locator("a.src-title").get_attribute("href")
    assert href is not None and href.startswith("gradio_api/file=")
    original = page.request.get(server + href.split("#", 1)[0])
    assert original.ok and "380 billion yuan" in original.text()

    # clicking [n] brings its card into view and marks it
    n = card.get_attribute("data-n")
    answer.locator(f"a.cite[href='#src-1-{n}']").click()
    page.wait_for_selector(f"#src-1-{n}.active")
    assert page.locator(".src-card.active").count() == 1
    page.evaluate("window.scrollTo(0, 0)")
    time.sleep(0.5)  # the smooth scroll of the sources panel
    page.screenshot(path=str(SCREENSHOTS / "chat-citation.png"))

    # a two-part question's answer streams: count the second answer's citation links after
    # every change to the chat; they arrive one sentence at a time
    page.evaluate("""() => {
        window.__citeCounts = [];
        const chat = document.querySelector('#chat');
        new MutationObserver(() => {
            const answers = chat.querySelectorAll('.msg.answer');
            if (answers.length === 2) {
                window.__citeCounts.push(answers[1].querySelectorAll('a.cite').length);
            }
        }).observe(chat, {childList: true, subtree: true, characterData: true});
    }""")
    ask(page, TWO_PART)
    page.wait_for_selector("#chat .msg.answer >> nth=1")
    wait_for_whole_answer(page)
    total = page.locator("#chat .msg.answer").nth(1).locator("a.cite").count()
    seen = set(page.evaluate("window.__citeCounts"))
    assert total > 1 and seen & set(range(1, total)), f"not streamed: {sorted(seen)} of {total}"


def test_follow_up_cannot_answer_new_chat_and_examples(page: Any) -> None:
    ask(page, "What was the dividend in 2019?")
    reply = page.locator("#chat .msg.no-answer").last
    reply.wait_for()
    assert "I cannot answer this from the ingested sources." in reply.inner_text()
    # a short follow-up without names is searched with the previous question's names
    assert "searched as: About Alibaba: what was the dividend in 2019?" in reply.inner_text()
    assert "Nothing cited" in page.inner_text("#sources .src-turn.latest")
    page.screenshot(path=str(SCREENSHOTS / "chat-cannot-answer.png"))
    page.click("#new-chat")
    page.wait_for_selector("#chat button.example")
    assert page.locator("#sources .src-card").count() == 0

    # an example question asks itself
    page.click("#chat button.example:has-text(\"The Buckle's comparable store sales\")")
    page.wait_for_selector("#chat .msg.answer:has-text('0.7 percent')")
    page.wait_for_selector("#src-1-1")  # a new chat numbers its answers from 1 again
    wait_for_whole_answer(page)
    page.screenshot(path=str(SCREENSHOTS / "chat-answer.png"))


def test_library_table_is_full_width_from_the_first_paint(page: Any, server: str) -> None:
    """A fresh page at 1400x1000, the Library tab opened before anything is picked: the table
    spans the page and its headers stay on one line (they once wrapped to "Ch/un/ks")."""
    fresh = page.context.browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        fresh.set_default_timeout(TIMEOUT_MS)
        fresh.goto(server)
        fresh.click("#library-tab-button")
        header = fresh.locator("#library [role=columnheader]:has-text('Chunks') .header").first
        header.wait_for()
        time.sleep(0.5)  # let the table settle
        table = fresh.locator("#library").bounding_box()
        assert table is not None and table["width"] >= 0.8 * 1400, table
        lines = header.evaluate("""(text) => {
            const range = document.createRange();
            range.selectNodeContents(text);
            return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
        }""")
        assert lines == 1, header.inner_text()
    finally:
        fresh.close()


def test_delete_and_new_chat_ask_first_and_a_no_changes_nothing(page: Any,
                                                                 chat_assistant: Assistant) -> None:
    answers = page.locator("#chat .msg.answer").count()
    assert answers > 0  # the earlier tests' chat
    before = {d.doc_id for d in chat_assistant.documents()}
    DIALOGS["accept"] = False
    try:
        page.click("#new-chat")
        time.sleep(1)
        assert page.locator("#chat .msg.answer").count() == answers
        page.click("#library-tab-button")
        page.click("#to-delete input")
        page.keyboard.type("Alibaba")
        page.locator("[role=option]:has-text('Alibaba')").first.click()
        page.click("#delete")
        page.wait_for_selector("#delete-status :text('Nothing deleted')")
    finally:
        DIALOGS["accept"] = True
    assert {d.doc_id for d in chat_assistant.documents()} == before
    assert page.locator("#library [role=row]:has-text('Alibaba')").count() == 1
    page.click("#research-tab-button")


def test_upload_list_and_delete(page: Any, tmp_path: Path, chat_assistant: Assistant) -> None:
    note = tmp_path / "Harbor Widgets note.md"
    note.write_text("# Harbor Widgets outlook\n\nHarbor Widgets Corp. expects to open 14 new "
                    "warehouses in fiscal 2026, its chief executive said.\n", encoding="utf-8")
    page.click("#library-tab-button")
    page.set_input_files("#upload input[type=file]", str(note))
    page.wait_for_selector("#upload a[download='Harbor Widgets note.md']")  # uploaded
    page.click("#add")
    page.wait_for_selector("#ingest-status :text('1 added')")
    row = page.locator("#library [role=row]:has-text('Harbor Widgets outlook')")
    row.wait_for()
    assert "Harbor Widgets note.md" in row.inner_text()
    uploads = chat_assistant.settings.store.home / "uploads"
    assert (uploads / "Harbor Widgets note.md").is_file()
    page.screenshot(path=str(SCREENSHOTS / "library.png"), full_page=True)

    page.click("#to-delete input")
    page.keyboard.type("Harbor")
    page.locator("[role=option]:has-text('Harbor Widgets outlook')").first.click()
    page.click("#delete")
    page.wait_for_selector("#delete-status li:has-text('deleted'):has-text('Harbor Widgets outlook')")
    page.wait_for_selector("#library [role=row]:has-text('Harbor Widgets outlook')", state="detached")
    assert not (uploads / "Harbor Widgets note.md").exists()  # the uploaded copy goes too
    assert page.locator("#library [role=row]:has-text('Alibaba')").count() == 1
    page.click("#research-tab-button")  # the conversation survives the library's refreshes
    assert page.locator("#chat .msg.answer:has-text('0.7 percent')").count() == 1


def test_reload_reopen_a_conversation_and_download_it(page: Any, server: str) -> None:
    """The first two tests' conversation (the Alibaba question and its follow-up) outlives a
    reload: reopened from the list, it shows its answers and sources, and downloads as Markdown."""
    page.reload()
    page.wait_for_selector("#chat")
    assert page.locator("#chat .msg").count() == 0  # a reload starts an empty chat
    page.click("#conversations > button")  # the accordion
    listed = page.locator("#conversation-list label")
    listed.first.wait_for()
    titles = listed.all_inner_texts()
    assert titles[0].startswith("What were The Buckle's comparable store sales?")  # newest first
    assert any(t.startswith(QUESTION) for t in titles)
    page.locator(f"#conversation-list label:has-text({QUESTION!r})").click()
    page.wait_for_selector("#chat .msg.answer:has-text('380 billion yuan')")
    page.wait_for_selector("#chat .msg.no-answer:has-text('About Alibaba')")
    assert page.locator("#sources .src-card").count() > 0
    assert page.input_value("#conversation-title textarea") == QUESTION
    page.screenshot(path=str(SCREENSHOTS / "chat-conversations.png"))

    with page.expect_download() as download:
        page.click("#download-conversation")
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert exported.startswith(f"# {QUESTION}\n")
    assert "## 3. What was the dividend in 2019?" in exported  # after the two-part question
    assert "380 billion yuan" in exported and "**Sources**" in exported
    assert "Not in the sources." in exported  # the follow-up's reply, as shown


def test_with_a_login_each_user_lists_only_their_own(page: Any, chat_assistant: Assistant) -> None:
    """DOSSIER_AUTH on: the conversations are the signed-in user's; none of another user's, nor
    of the chat without a login (this module's earlier tests'), are listed."""
    from assistant.ui.app import ChatApp

    app = ChatApp(chat_assistant)
    asked = {"ana": (QUESTION, "380 billion yuan"),
             "ben": ("What were The Buckle's comparable store sales?", "0.7 percent")}
    with served(app, auth=[("ana", "pw-1"), ("ben", "pw-2")]) as url:
        for user, password in (("ana", "pw-1"), ("ben", "pw-2")):
            context = page.context.browser.new_context(viewport={"width": 1400, "height": 900})
            login = context.request.post(url + "login",
                                         form={"username": user, "password": password})
            assert login.ok, login.status
            own = context.new_page()
            own.set_default_timeout(TIMEOUT_MS)
            own.goto(url)
            question, expected = asked[user]
            ask(own, question)
            own.wait_for_selector(f"#chat .msg.answer:has-text({expected!r})")
            own.click("#conversations > button")
            own.wait_for_selector(f"#conversation-list label:has-text({question!r})")
            assert own.locator("#conversation-list label").count() == 1, user
            context.close()
