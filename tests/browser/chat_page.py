"""What the browser tests of the chat share: the browser's settings, the app served on a free
port, and the steps a reader takes on the page (ask, wait for the whole answer, set filters).

With DOSSIER_SCREENSHOTS=1 the screenshots refresh docs/screenshots/ (shown in the README)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.helpers import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The README's screenshots are refreshed on request only (DOSSIER_SCREENSHOTS=1), so a test run
# leaves the work tree clean.
SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("DOSSIER_SCREENSHOTS") == "1"
    else Path(os.environ.get("TMPDIR", "/tmp")) / "dossier-screenshots"
)
QUESTION = "How much is Alibaba investing in AI and cloud infrastructure?"
TIMEOUT_MS = 90_000  # answers take seconds on a loaded two-core machine
DIALOGS = {"accept": True}  # how the page answers confirm(): yes, unless a test declines


@contextmanager
def served(app: Any, **launch: Any) -> Iterator[str]:
    """`app` (a ChatApp) launched on a free local port, its address; closed afterwards."""
    port = free_port()
    app.launch(server_port=port, prevent_thread_lock=True, quiet=True, **launch)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


def ask(page: Any, question: str) -> None:
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")


def wait_for_whole_answer(page: Any) -> None:
    """The sources panel holds a card (or, for a card several citations share, an anchor on it)
    per citation from the first streamed sentence on; the latest answer is complete when its [n]
    links name as many (a computed figure's work box cites its operands again)."""
    page.wait_for_function("""() => {
        const cards = document.querySelectorAll('#sources .src-turn.latest [data-n]').length;
        const answers = document.querySelectorAll('#chat .msg.answer');
        const last = answers[answers.length - 1];
        if (!last) return false;
        const named = new Set(Array.from(last.querySelectorAll('a.cite'), a => a.getAttribute('href')));
        return cards > 0 && named.size === cards;
    }""")


def cited(answer: Any) -> set[str]:
    """The sources an answer's [n] links name (a computed figure's work box repeats them)."""
    return set(answer.locator("a.cite").evaluate_all("links => links.map(a => a.getAttribute('href'))"))


def open_filters(page: Any) -> None:
    if page.locator("#f-company").is_hidden():
        page.click("#filters > button")
    page.locator("#f-company").wait_for()


def pick_company(page: Any, name: str) -> None:
    page.click("#f-company input")
    page.keyboard.type(name)
    page.locator(f"[role=option]:has-text({name!r})").first.click()


def type_date(page: Any, box: str, value: str) -> None:
    page.fill(f"{box} input, {box} textarea", value)
    page.keyboard.press("Tab")  # a typed date is checked once left
