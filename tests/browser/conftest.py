"""The chat in a real browser: Debian's chromium driven by Playwright, against an app served on
127.0.0.1; each test module has its own app (over a copy of the two-document store, unless the
module serves its own) and its own page.

Needs /usr/bin/chromium (`make test` installs it when run as root); skips with the reason
otherwise. Never runs `playwright install`: nothing is downloaded."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant
from ingest.embeddings import LocalMiniLM
from tests.browser.chat_page import CHROMIUM, CHROMIUM_ARGS, DIALOGS, SCREENSHOTS, TIMEOUT_MS, served


@pytest.fixture(scope="module")
def chat_assistant(tmp_path_factory: pytest.TempPathFactory, two_document_store: Path,
                   minilm: LocalMiniLM) -> Iterator[Assistant]:
    home = tmp_path_factory.mktemp("chat") / "home"
    shutil.copytree(two_document_store, home)  # the tests upload and delete: a copy of their own
    with Assistant(home=home, embedder=minilm) as a:
        yield a


@pytest.fixture(scope="module")
def chat_app(chat_assistant: Assistant) -> Any:
    from assistant.ui.app import ChatApp

    return ChatApp(chat_assistant)


@pytest.fixture(scope="module")
def server(chat_app: Any) -> Iterator[str]:
    with served(chat_app) as url:
        yield url


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs it as root "
                    "(apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(TIMEOUT_MS)
        page.on("dialog", lambda dialog: dialog.accept() if DIALOGS["accept"] else dialog.dismiss())
        page.goto(server)
        page.wait_for_selector("#chat")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        yield page
        browser.close()
