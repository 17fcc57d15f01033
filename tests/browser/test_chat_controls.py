"""The Research tab's controls in the browser: filter chips and the panel's count, a refusal
naming the filters, a malformed date said and nothing searched, deleting a conversation and
clearing the chat asking first, nothing overlapping at 800 px; and the filters reaching
retrieval, a failure shown as a message (the app driven directly)."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from assistant.question import Question
from tests.browser.chat_page import (
    DIALOGS,
    QUESTION,
    SCREENSHOTS,
    TIMEOUT_MS,
    ask,
    open_filters,
    pick_company,
    type_date,
    wait_for_whole_answer,
)


def test_filter_chips_count_and_a_refusal_naming_them(page: Any) -> None:
    page.click("#new-chat")
    page.wait_for_selector("#chat button.example")
    open_filters(page)
    pick_company(page, "Buckle")
    company_chip = page.locator("#chip-company")
    company_chip.wait_for()
    company = company_chip.inner_text().removeprefix("Company: ").removesuffix(" ✕")
    assert "Buckle" in company, company
    type_date(page, "#f-from", "2024-01-01")
    page.wait_for_selector("#chip-date-from:has-text('From: 2024-01-01')")
    page.click("#filters > button")  # folded: the header still counts them
    page.wait_for_selector("#f-company", state="hidden")
    assert page.inner_text("#filters > button").split("\n")[0].strip() == "Filters (2)"
    page.locator("#clear-filters").wait_for()  # two set: one click clears both

    ask(page, QUESTION)  # Alibaba's question, the search kept to Buckle's documents
    reply = page.locator("#chat .msg.no-answer").last
    reply.wait_for()
    refusal = " ".join(reply.inner_text().split())
    assert re.search(rf"Not in the sources — searched only {re.escape(company)} documents, dated "
                     r"2024-01-01 or later \(1 of \d+ documents\)", refusal), refusal
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "chat-filters.png"))

    company_chip.click()  # one click clears one filter
    page.wait_for_selector("#chip-company", state="hidden")
    assert page.inner_text("#filters > button").split("\n")[0].strip() == "Filters (1)"
    assert page.locator("#clear-filters").is_hidden()  # one left: its chip clears it
    open_filters(page)
    assert page.input_value("#f-company input") == ""
    pick_company(page, "Alibaba")
    page.locator("#chip-company").wait_for()
    page.click("#clear-filters")
    page.wait_for_selector("#filter-chips", state="hidden")
    assert page.input_value("#f-from input, #f-from textarea") == ""
    assert page.inner_text("#filters > button").split("\n")[0].strip() == "Filters"


def test_a_malformed_date_says_the_format_and_clears_the_sources(page: Any) -> None:
    page.click("#new-chat")
    page.wait_for_selector("#chat button.example")
    ask(page, "What were The Buckle's comparable store sales?")
    page.wait_for_selector("#chat .msg.answer:has-text('0.7 percent')")
    wait_for_whole_answer(page)
    open_filters(page)
    type_date(page, "#f-from", "Jan 2024")
    note = page.locator("#filter-note")
    note.wait_for()  # beside the chips, before anything is asked
    assert "“Jan 2024” is not a date in the form YYYY-MM-DD" in note.inner_text()

    follow = "How many stores does Buckle operate?"
    ask(page, follow)
    reply = page.locator("#chat .msg.filter-error").last
    reply.wait_for()
    assert "Check the filters" in reply.inner_text() and "YYYY-MM-DD" in reply.inner_text()
    assert "Something went wrong" not in page.inner_text("#chat")
    assert page.input_value("#question textarea") == follow  # kept, to ask again
    # the panel no longer shows the previous question's sources as if they were this one's
    latest = page.locator("#sources .src-turn.latest")
    assert "No sources: nothing was searched" in latest.inner_text()
    assert follow in latest.inner_text() and latest.locator(".src-card").count() == 0
    page.click("#chip-date-from")
    page.wait_for_selector("#filter-note", state="hidden")


def test_deleting_a_conversation_asks_first(page: Any) -> None:
    if page.locator("#conversation-list").is_hidden():  # the panel stays as an earlier test left it
        page.click("#conversations > button")
    listed = page.locator("#conversation-list label")
    listed.first.wait_for()
    before = listed.count()
    page.locator("#conversation-list label").first.click()  # the newest: the pumps question
    page.wait_for_selector("#chat .msg.answer")
    DIALOGS["accept"] = False
    try:
        page.click("#delete-conversation")
        time.sleep(1)
        assert listed.count() == before and page.locator("#chat .msg.answer").count() > 0
    finally:
        DIALOGS["accept"] = True
    page.click("#delete-conversation")
    page.wait_for_selector("#conversation-note :text('Conversation deleted.')")
    page.wait_for_function(f"() => document.querySelectorAll('#conversation-list label').length"
                           f" === {before - 1}")
    assert page.locator("#chat .msg").count() == 0


def test_the_chat_clear_icon_asks_first(page: Any) -> None:
    ask(page, "What were The Buckle's comparable store sales?")
    wait_for_whole_answer(page)
    clear = page.locator("#chat button[aria-label='Clear']")
    DIALOGS["accept"] = False
    try:
        clear.click()
        time.sleep(1)
        assert page.locator("#chat .msg.answer").count() == 1
        assert page.locator("#sources .src-card").count() > 0
    finally:
        DIALOGS["accept"] = True
    clear.click()
    page.wait_for_selector("#chat .msg", state="detached")
    page.wait_for_selector("#sources .sources-empty")


# The controls and messages of the Research tab that must never cover each other.
CONTROLS = ["#chat button[aria-label='Clear']", "#chat button[aria-label='Copy message']",
            "#chat .message", "#question textarea", "#ask", "#new-chat", "#filter-chips button",
            "#filter-note", "#download-answer", "#download-conversation", "#filters > button",
            "#conversations > button"]


def overlapping(page: Any, selectors: list[str]) -> list[tuple[str, str]]:
    """Pairs of visible elements (one of `selectors` each) whose boxes intersect."""
    boxes = page.evaluate("""(selectors) => selectors.flatMap((sel) =>
        [...document.querySelectorAll(sel)].filter((el) => el.offsetParent !== null)
        .map((el, i) => { const r = el.getBoundingClientRect();
                          return [`${sel} #${i}`, r.left, r.top, r.right, r.bottom]; }))""",
                          selectors)
    return [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if min(a[3], b[3]) - max(a[1], b[1]) > 1 and min(a[4], b[4]) - max(a[2], b[2]) > 1]


def test_nothing_overlaps_at_800_px(page: Any, server: str) -> None:
    narrow = page.context.browser.new_page(viewport={"width": 800, "height": 900})
    try:
        narrow.set_default_timeout(TIMEOUT_MS)
        narrow.goto(server)
        narrow.wait_for_selector("#chat button.example")
        open_filters(narrow)
        pick_company(narrow, "Alibaba")
        type_date(narrow, "#f-from", "Jan 2024")
        narrow.locator("#filter-note").wait_for()
        narrow.click("#filters > button")
        ask(narrow, "What were The Buckle's comparable store sales in the third quarter of "
                    "fiscal 2024, and how did they compare with the year before?")
        narrow.locator("#chat .msg.filter-error").wait_for()
        assert overlapping(narrow, ["#ask", "#ask-row"])  # the check sees a box inside another
        assert overlapping(narrow, CONTROLS) == []  # chips, the date's note, the first question
        narrow.evaluate("window.scrollTo(0, 0)")
        narrow.screenshot(path=str(SCREENSHOTS / "chat-800px.png"))
        narrow.click("#clear-filters")
        narrow.wait_for_selector("#filter-chips", state="hidden")
        ask(narrow, "How many stores does Buckle operate?")
        wait_for_whole_answer(narrow)
        narrow.evaluate("window.scrollTo(0, 0)")
        assert narrow.locator("#chat button[aria-label='Clear']").is_visible()
        assert overlapping(narrow, CONTROLS) == []
    finally:
        narrow.close()


def test_filters_reach_retrieval_and_errors_are_messages(chat_app: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.ui.app import new_state

    def respond(date_from: str | None = None, **filters: Any) -> tuple[Any, ...]:
        args = {"company": None, "form": None, "date_to": None, "docs": None, **filters}
        steps = list(chat_app.respond("What is the plan?", [], new_state(), args["company"],
                                      args["form"], date_from, args["date_to"], args["docs"]))
        return steps[-1]

    seen: dict[str, Any] = {}

    def fake_ask(question: Question, **kwargs: Any) -> Any:
        seen.update(kwargs, question=question.text)
        raise RuntimeError("the store went away\nsecond line")

    monkeypatch.setattr(chat_app.assistant, "ask", fake_ask)
    history, panel, box, _ = respond(company="Alibaba", form="8-K", date_from="2024-01-01",
                                     docs=["d1"])
    message = str(history[-1]["content"])
    assert seen == {"question": "What is the plan?", "company": "Alibaba", "form": "8-K",
                    "date_from": "2024-01-01", "date_to": None, "doc_ids": ["d1"],
                    "history": None}  # no LLM configured: the extractive answer takes no history
    assert "chat-error" in message and "RuntimeError: the store went away" in message
    assert "Traceback" not in message and "second line" not in message
    assert "No sources: the search failed" in panel and box == ""
    history, panel, box, _ = respond(date_from="Jan 2024")
    bad_date = str(history[-1]["content"])
    assert "filter-error" in bad_date and "Something went wrong" not in bad_date
    assert "“Jan 2024” is not a date in the form YYYY-MM-DD" in bad_date
    assert "No sources: nothing was searched" in panel
    assert box == "What is the plan?"  # kept, to ask again once the date is fixed

