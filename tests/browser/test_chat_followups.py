"""Follow-ups and comparisons in the chat, in a real browser (Debian's chromium driven by
Playwright) over Apple's Q3 FY2023 10-Q and Buckle's earnings release: "And iPhone?" after a
question on Apple's net sales is searched with Apple, the metric and the quarter and answered
with the iPhone figure; "Compare Buckle's and Nordstrom's net sales." is answered in two parts,
the second said to be missing. The page (tests/browser/conftest.py) opens this module's own
server. Skips with the reason when chromium or Playwright is missing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant
from ingest.embeddings import LocalMiniLM
from tests.browser.chat_page import ask, cited, served, wait_for_whole_answer

NET_SALES = "What were Apple's total net sales in the third quarter of fiscal 2023?"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, apple_buckle_store: Path,
           minilm: LocalMiniLM) -> Iterator[str]:
    from assistant.ui.app import ChatApp

    home = tmp_path_factory.mktemp("followups") / "home"
    shutil.copytree(apple_buckle_store, home)  # the chat stores its conversations there
    with (Assistant(home=home, embedder=minilm, llm={"model": None}) as assistant,
          served(ChatApp(assistant)) as url):
        yield url


def test_and_iphone_is_answered_with_the_iphone_figure(page: Any) -> None:
    ask(page, NET_SALES)
    page.wait_for_selector("#chat .msg.answer:has-text('81,797')")  # total net sales, $M
    wait_for_whole_answer(page)
    ask(page, "And iPhone?")
    page.wait_for_function("document.querySelectorAll('#chat .msg.answer').length === 2")
    wait_for_whole_answer(page)
    reply = page.locator("#chat .msg.answer").last
    text = reply.inner_text()
    assert "searched as: iPhone net sales, Apple, Q3 FY2023" in text
    assert "39,669" in text  # iPhone net sales for the quarter, $M
    cards = page.locator("#sources .src-turn.latest .src-card")
    assert cards.count() == len(cited(reply)) > 0
    assert all("iPhone" in card for card in cards.all_inner_texts())


def test_a_two_company_comparison_is_answered_in_two_parts(page: Any) -> None:
    ask(page, "Compare Buckle's and Nordstrom's net sales.")
    reply = page.locator("#chat .msg.answer.compared").last
    reply.wait_for()
    parts = reply.locator(".answer-part")
    assert parts.count() == 2
    buckle, nordstrom = parts.nth(0), parts.nth(1)
    assert buckle.locator(".part-label").inner_text() == "Buckle"
    assert "293.6 million" in buckle.inner_text() and buckle.locator("a.cite").count() > 0
    assert nordstrom.locator(".part-label").inner_text() == "Nordstrom"
    assert "missing" in (nordstrom.get_attribute("class") or "")
    assert "Not in the sources — the store holds no documents of Nordstrom." in nordstrom.inner_text()
    first = buckle.locator("a.cite").first
    assert first.inner_text() == "[1]"
    first.click()
    page.wait_for_selector("#sources .src-turn.latest .src-card.active")
    for href in buckle.locator("a.cite").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert page.locator(f"#sources .src-turn.latest {href}").count() == 1  # each [n] has its card
