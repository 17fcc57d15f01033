"""The chat in a real browser: Debian's chromium driven by Playwright, against one app served on
127.0.0.1 over a two-document store. With DOSSIER_SCREENSHOTS=1 the screenshots refresh
docs/screenshots/ (shown in the README).

Needs /usr/bin/chromium (`make test` installs it when run as root); skips with the reason
otherwise. Never runs `playwright install`: nothing is downloaded."""

from __future__ import annotations

import html
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant import Assistant
from assistant.question import Question
from ingest.embeddings import LocalMiniLM
from tests.conftest import FIXTURES
from tests.helpers import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The README's screenshots are refreshed on request only (DOSSIER_SCREENSHOTS=1), so a test run
# leaves the work tree clean.
SCREENSHOTS = (
    Path(__file__).resolve().parent.parent / "docs" / "screenshots"
    if os.environ.get("DOSSIER_SCREENSHOTS") == "1"
    else Path(os.environ.get("TMPDIR", "/tmp")) / "dossier-screenshots"
)
QUESTION = "How much is Alibaba investing in AI and cloud infrastructure?"
TWO_PART = "What are Alibaba's plans for AI spending and how did its cloud revenue grow?"
TIMEOUT_MS = 90_000  # answers take seconds on a loaded two-core machine


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
    port = free_port()
    chat_app.launch(server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        chat_app.close()


DIALOGS = {"accept": True}  # how the page answers confirm(): yes, unless a test declines


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


def ask(page: Any, question: str) -> None:
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")


def wait_for_whole_answer(page: Any) -> None:
    """The sources panel holds a card (or, for a card several citations share, an anchor on it)
    per citation from the first streamed sentence on; the latest answer is complete when it has
    as many [n] links."""
    page.wait_for_function("""() => {
        const cards = document.querySelectorAll('#sources .src-turn.latest [data-n]').length;
        const answers = document.querySelectorAll('#chat .msg.answer');
        const last = answers[answers.length - 1];
        return cards > 0 && last && last.querySelectorAll('a.cite').length === cards;
    }""")


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


def test_only_ingested_files_are_served(chat_assistant: Assistant, server: str) -> None:
    sources = {Path(d.source).name: d.source for d in chat_assistant.documents()}
    html_original = sources["BKE_8-K_2024-11-22_EX-99.1.html"]
    with httpx.Client(base_url=server, timeout=30) as client:
        served = client.get(f"gradio_api/file={html_original}")
        assert served.status_code == 200
        # an HTML original cannot run scripts in the app's origin
        assert served.headers["content-security-policy"] == "sandbox"
        for path in ("/etc/passwd", str(FIXTURES / "MANIFEST.tsv"), html_original + "/../x"):
            assert client.get(f"gradio_api/file={path}").status_code in (403, 404), path


def test_login_required_when_auth_is_set(chat_assistant: Assistant) -> None:
    from assistant.ui.app import ChatApp

    app = ChatApp(chat_assistant)
    port = free_port()
    app.launch(server_port=port, prevent_thread_lock=True, quiet=True, auth=[("ana", "pw-1")])
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            assert client.get("/config").status_code == 401
            assert client.get("/page-view?chunk=x").status_code == 401
            assert client.post("/login", data={"username": "ana", "password": "bad"}).status_code == 400
            assert client.post("/login", data={"username": "ana", "password": "pw-1"}).status_code == 200
            assert client.get("/config").status_code == 200
    finally:
        app.close()


def test_with_a_login_each_user_lists_only_their_own(page: Any, chat_assistant: Assistant) -> None:
    """DOSSIER_AUTH on: the conversations are the signed-in user's; none of another user's, nor
    of the chat without a login (the earlier tests'), are listed."""
    from assistant.ui.app import ChatApp

    app = ChatApp(chat_assistant)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    app.launch(server_port=port, prevent_thread_lock=True, quiet=True,
               auth=[("ana", "pw-1"), ("ben", "pw-2")])
    asked = {"ana": (QUESTION, "380 billion yuan"),
             "ben": ("What were The Buckle's comparable store sales?", "0.7 percent")}
    try:
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
    finally:
        app.close()


def test_no_share_links(chat_assistant: Assistant) -> None:
    from assistant.ui.app import ChatApp

    app = ChatApp.__new__(ChatApp)  # launch_kwargs only needs the settings
    app.settings = chat_assistant.settings
    app.assistant = chat_assistant
    kwargs = app.launch_kwargs()
    assert kwargs["server_name"] == "127.0.0.1" and kwargs["share"] is False
    assert kwargs["max_file_size"] == chat_assistant.settings.chat.upload_max_bytes
    with pytest.raises(ValueError, match="share links"):
        app.launch_kwargs(share=True)


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


PUMPS_PAGES = [
    ["Quayside Pumps Inc. quarterly report", "",
     "In the quarter Quayside Pumps opened fourteen new pumping stations",
     "across three coastal states, raising its capacity by a fifth."],
    ["Quayside Pumps Inc. risk factors", "Storms may close the coastal stations."],
]


@pytest.fixture(scope="module")
def pumps_pdf(chat_assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-page PDF in the chat's store, its quote wrapping over two lines of page 1."""
    from tests.fixtures.make_pdf_fixtures import lines_pdf

    pdf = tmp_path_factory.mktemp("pumps") / "Quayside Pumps 10-Q.pdf"
    pdf.write_bytes(lines_pdf(PUMPS_PAGES))
    assert chat_assistant.ingest([pdf], progress=False).ok
    return pdf


def _drawn_boxes(view_page: Any) -> list[list[float]]:
    """The highlight elements' places on the page image, in the image's own pixels."""
    return list(view_page.evaluate("""() => {
        const img = document.querySelector('#page-image');
        const at = img.getBoundingClientRect();
        const scale = img.naturalWidth / at.width;
        return [...document.querySelectorAll('.page .hl')].map((el) => {
            const r = el.getBoundingClientRect();
            return [(r.left - at.left) * scale, (r.top - at.top) * scale,
                    (r.right - at.left) * scale, (r.bottom - at.top) * scale];
        });
    }"""))


def test_view_page_boxes_the_quote_on_the_cited_pdf_page(page: Any, pumps_pdf: Path,
                                                         chat_assistant: Assistant) -> None:
    from urllib.parse import parse_qs, urlsplit

    import pypdfium2 as pdfium

    from assistant.page_view import view_pdf_page

    pdf = pumps_pdf
    page.click("#new-chat")
    page.wait_for_selector("#chat button.example")
    ask(page, "How many new pumping stations did Quayside Pumps open?")
    wait_for_whole_answer(page)
    card = page.locator("#sources .src-card:has(mark.quote:has-text('fourteen new pumping'))")
    link = card.locator("a.view-page")
    assert link.inner_text() == "View page"
    quote = parse_qs(urlsplit(link.get_attribute("href") or "").query)["q"][0]
    with page.context.expect_page() as opened:
        link.click()
    view_page = opened.value
    view_page.wait_for_function("() => document.querySelector('#page-image').naturalWidth > 0")
    assert "page 1 of 2" in view_page.inner_text("header")
    assert "boxed" in view_page.inner_text("header .status")

    # the boxes drawn are the module's, and each covers its characters on the page image
    view = view_pdf_page(pdf, 1, quote, cache_dir=chat_assistant.settings.store.cache_dir)
    drawn = _drawn_boxes(view_page)
    assert len(drawn) == len(view.boxes) == 2  # the quote wraps: a box per line
    scale = view.width / 612
    document = pdfium.PdfDocument(pdf)
    textpage = document[0].get_textpage()
    for seen, box in zip(drawn, view.boxes, strict=True):
        assert seen == pytest.approx(list(box.pixel_rect), abs=1.0)
        for index in range(*box.chars):
            left, bottom, right, top = textpage.get_charbox(index)
            if right > left:  # a character pdfium placed: inside the drawn box
                assert seen[0] - 1 <= left * scale and right * scale <= seen[2] + 1
                assert seen[1] - 1 <= (792 - top) * scale and (792 - bottom) * scale <= seen[3] + 1
    document.close()

    # next and previous page
    view_page.click("a.next")
    view_page.wait_for_selector("header :text('page 2 of 2')")
    assert view_page.locator(".page .hl").count() == 0
    assert "cited on page 1" in view_page.inner_text("header .status")
    view_page.click("a.prev")
    view_page.wait_for_selector("header :text('page 1 of 2')")
    assert len(_drawn_boxes(view_page)) == 2
    view_page.screenshot(path=str(SCREENSHOTS / "page-view.png"))
    view_page.close()


def test_view_in_text_marks_the_quote_scrolled_into_view(page: Any, server: str,
                                                         chat_assistant: Assistant) -> None:
    from assistant.serve.page_view_html import view_link

    hit = chat_assistant.search("Buckle comparable store sales", k=1)[0]
    assert not hit.source.endswith(".pdf")
    quote = max(hit.text.split(". "), key=len)  # a sentence of the passage, as a citation quotes
    view_page = page.context.browser.new_page(viewport={"width": 1000, "height": 700})
    view_page.goto(server + view_link(hit.chunk_id, quote))
    mark = view_page.locator("mark#quote")
    assert " ".join(mark.inner_text().split()) == " ".join(quote.split())
    assert view_page.evaluate("""() => {
        const r = document.querySelector('mark#quote').getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight;
    }""")
    view_page.close()


def test_page_view_refusals(chat_assistant: Assistant, server: str, pumps_pdf: Path) -> None:
    from assistant.serve.page_view_html import view_link

    pumps = next(d.doc_id for d in chat_assistant.documents() if Path(d.source) == pumps_pdf)
    pdf_chunk = next(c for c in chat_assistant.store.registry.iter_chunks() if c.doc_id == pumps)
    text_chunk = chat_assistant.search("Buckle comparable store sales", k=1)[0].chunk_id
    with httpx.Client(base_url=server, timeout=60) as client:
        shown = client.get(view_link(pdf_chunk.chunk_id, "fourteen new pumping stations", 1))
        assert shown.status_code == 200 and 'class="hl"' in shown.text
        assert "default-src 'none'" in shown.headers["content-security-policy"]
        image = client.get(f"page-view/image?chunk={pdf_chunk.chunk_id}&page=2")
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
        for address, status, says in (
            ("page-view?chunk=no-such-chunk&q=x", 404, "no longer in the store"),
            (f"page-view?chunk={pdf_chunk.chunk_id}&page=3", 404, "has 2 page(s): there is no page 3"),
            (f"page-view?chunk={pdf_chunk.chunk_id}&page=two", 400, "page must be a number"),
            (f"page-view/image?chunk={text_chunk}", 404, "no PDF page"),
        ):
            refused = client.get(address)
            assert refused.status_code == status and html.escape(says) in refused.text, address


# --- filters, failures, shared cards, confirmations, 800 px ---------------------------------------


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


def test_identical_passages_share_one_card(page: Any, pumps_pdf: Path,
                                           chat_assistant: Assistant,
                                           tmp_path_factory: pytest.TempPathFactory) -> None:
    """The same PDF in two folders (a duplicate filing): its passage is one card listing both."""
    copy = tmp_path_factory.mktemp("copies") / "Quayside Pumps 10-Q (copy).pdf"
    shutil.copyfile(pumps_pdf, copy)
    assert chat_assistant.ingest([copy], progress=False).ok
    page.click("#new-chat")
    page.wait_for_selector("#chat button.example")
    ask(page, "How many new pumping stations did Quayside Pumps open?")
    wait_for_whole_answer(page)
    cards = page.locator("#sources .src-turn.latest .src-card:has-text('fourteen new pumping')")
    assert cards.count() == 1
    places = cards.first.locator("a.src-title").all_inner_texts()
    assert len(places) == 2 and any("(copy)" in p for p in places), places
    assert "Also in:" in cards.first.inner_text()


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
