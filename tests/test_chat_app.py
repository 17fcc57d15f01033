"""The chat's pure parts: upload names, login parsing, follow-up rewriting, source cards and
highlighting, the notebook rendering of an Answer (no Gradio, no browser, no model); then the
app itself driven without a browser: asked questions stored as conversations, reopened, renamed,
deleted and downloaded, each user seeing only their own."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.models import Answer, Citation, Passage
from assistant.ui import render
from assistant.ui.safety import AuthError, check_upload, parse_auth, sanitize_filename
from ingest.documents import DocMeta
from ingest.embeddings import LocalMiniLM
from ingest.registry import DocRecord

# --- upload names and limits -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("/abs/path/10-K 2024.html", "10-K 2024.html"),
        (".bashrc", "bashrc"),
        ("..", "upload"),
        ("", "upload"),
        ("a<b>|c:d?.md", "a_b_c_d.md"),
        ("résumé 年报.txt", "résumé 年报.txt"),
        ("a\x00b.txt", "a_b.txt"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
    ],
)
def test_sanitize_filename(raw: str, safe: str) -> None:
    assert sanitize_filename(raw) == safe
    assert len(safe) <= 120
    assert "/" not in safe and "\\" not in safe and not safe.startswith(".")


def test_check_upload_type_and_size() -> None:
    assert check_upload("a.md", 10, 100) is None
    assert check_upload("A.PDF", 10, 100) is None
    refused = check_upload("tool.exe", 10, 100)
    assert refused is not None and ".exe is not supported" in refused
    too_big = check_upload("big.pdf", 3 * 2**20, 2**20)
    assert too_big is not None and "over the 1 MB upload limit" in too_big


# --- login ---------------------------------------------------------------------------------------


def test_parse_auth_inline_and_file(tmp_path: Path) -> None:
    assert parse_auth(None) is None and parse_auth("  ") is None
    assert parse_auth("alice:s3cr:et") == [("alice", "s3cr:et")]
    users = tmp_path / "users.txt"
    users.write_text("# analysts\nalice:one\n\n bob:two\n")
    assert parse_auth(str(users)) == [("alice", "one"), ("bob", "two")]


@pytest.mark.parametrize("value", ["alice", "alice:", ":secret", "/no/such/file"])
def test_parse_auth_errors_never_show_password(value: str) -> None:
    with pytest.raises(AuthError) as info:
        parse_auth(value)
    assert "secret" not in str(info.value)


def test_parse_auth_file_with_bad_line(tmp_path: Path) -> None:
    users = tmp_path / "users.txt"
    users.write_text("alice:one\nbob\n")
    with pytest.raises(AuthError, match="line 2"):
        parse_auth(str(users))


# --- source cards --------------------------------------------------------------------------------

TEXT = ("Alibaba Group's AI plans are large.\nThe company's 380 billion yuan ($53 billion) "
        "three-year AI and cloud\ninfrastructure plan <b>matters</b>. More text follows here.")
QUOTE = ("The company's 380 billion yuan ($53 billion) three-year AI and cloud infrastructure "
         "plan <b>matters</b>.")


def _passage(**kw: object) -> Passage:
    base: dict[str, object] = dict(
        rank=1, score=0.5, chunk_id="c1", doc_id="d1", title="Alibaba <AI> note",
        source="/data/filings/alibaba note.pdf", url="file:///data/filings/alibaba%20note.pdf",
        page=3, section="Item 7", company="Alibaba Group", form="20-F", period="FY2025",
        published="2025-05-15", text=TEXT,
    )
    base.update(kw)
    return Passage(**base)


def _answer(cannot: bool = False) -> Answer:
    citation = Citation(n=1, chunk_id="c1", doc_id="d1", title="Alibaba <AI> note",
                        source="/data/filings/alibaba note.pdf",
                        url="file:///data/filings/alibaba%20note.pdf", page=3, section="Item 7",
                        date="2025-05-15", quote=QUOTE)
    if cannot:
        return Answer(question="Dividend in 2019?", answer="I cannot answer this from the ingested sources.",
                      cannot_answer=True, mode="extractive", passages=[_passage()])
    return Answer(question="How much is Alibaba investing?", answer=f"{QUOTE} [1]",
                  cannot_answer=False, mode="extractive", citations=[citation], passages=[_passage()])


def test_highlight_marks_quote_across_line_breaks_and_escapes() -> None:
    out = render.highlight(TEXT, QUOTE)
    assert out.count("<mark") == 1
    marked = out.split('<mark class="quote">')[1].split("</mark>")[0]
    assert "380 billion yuan" in marked and "cloud infrastructure" in marked  # newline collapsed
    assert "&lt;b&gt;matters&lt;/b&gt;" in marked and "<b>" not in out
    assert out.startswith("Alibaba Group") and "More text follows" in out


def test_highlight_trims_long_passages_and_survives_a_missing_quote() -> None:
    long_text = "word " * 400 + "The needle sentence is here. " + "tail " * 400
    out = render.highlight(long_text, "The needle sentence is here.")
    assert out.startswith("… ") and out.endswith(" …") and len(out) < 1200
    assert "<mark" not in render.highlight("short text", "absent quote")


def test_source_card_has_facts_link_and_highlight() -> None:
    answer = _answer()
    card = render.source_card(answer.citations[0], answer.passages[0], turn=2)
    assert 'id="src-2-1"' in card
    assert "Alibaba &lt;AI&gt; note" in card and "<AI>" not in card
    for fact in ("Alibaba Group", "20-F", "period FY2025", "Item 7", "p. 3", "2025-05-15"):
        assert html.escape(fact) in card
    # an ingested file opens through the app's file route, at the cited page of a PDF
    assert 'href="gradio_api/file=/data/filings/alibaba%20note.pdf#page=3"' in card
    assert '<mark class="quote">' in card


def test_source_card_views_the_cited_page_or_the_stored_text() -> None:
    from urllib.parse import parse_qs, urlsplit

    pdf = _answer().citations[0]
    href = render.view_page_link(pdf).split('href="')[1].split('"')[0]
    assert ">View page</a>" in render.view_page_link(pdf) and 'target="_blank"' in render.view_page_link(pdf)
    address = urlsplit(html.unescape(href))
    assert address.path == "page-view" and not address.fragment
    assert parse_qs(address.query) == {"chunk": ["c1"], "q": [QUOTE], "page": ["3"]}
    text = pdf.model_copy(update={"source": "/data/articles/note.html", "page": None})
    link = render.view_page_link(text)
    assert ">View in text</a>" in link and "page=" not in link and '#quote"' in link
    assert render.view_page_link(pdf) in render.source_card(pdf, None, turn=1)


def test_original_link_for_urls_and_files() -> None:
    assert render.original_link("https://x.com/a", "https://x.com/a") == "https://x.com/a"
    assert render.original_link("/d/a.html", "file:///d/a.html", 2) == "gradio_api/file=/d/a.html"


def test_answer_markdown_links_each_citation_and_streams() -> None:
    answer = _answer()
    full = render.answer_markdown(answer, turn=1)
    assert '<a class="cite" href="#src-1-1"' in full and ">[1]</a>" in full
    assert "&lt;b&gt;" in full and "<b>matters" not in full
    assert render.answer_markdown(answer, turn=1, upto=0).count("cite") == 0
    rewritten = render.answer_markdown(answer, turn=1, rewritten="About Alibaba: and margins?")
    assert "searched as: About Alibaba: and margins?" in rewritten
    assert "scope-note" not in full
    scoped = render.answer_markdown(answer.model_copy(update={"scope": "Apple Inc. · <10-Q>"}), turn=1)
    assert 'scope-note">Searched: Apple Inc. · &lt;10-Q&gt;</div>' in scoped



def test_a_sources_own_reference_markers_show_as_refs_beside_dossiers_citations() -> None:
    quote = "Capex rose 40% in 2024 [2]."
    citation = _answer().citations[0].model_copy(update={"quote": quote})
    answer = _answer().model_copy(update={"answer": "Capex rose 40% in 2024 (ref. 2). [1]",
                                          "citations": [citation]})
    [unit] = render.answer_units(answer, turn=1)
    assert unit.startswith("Capex rose 40% in 2024 (ref. 2). ") and "[2]" not in unit
    assert ">[1]</a>" in unit
    shown = answer._repr_html_()
    assert "(ref. 2)" in shown and "2024 [2]" not in shown.split("<ol>")[0]


def test_llm_answers_show_the_written_text_with_checked_links() -> None:
    from assistant.models import CitationCheck, Claim

    base = _answer()
    claims = [
        Claim(text="Alibaba will invest 380 billion yuan [1].", status="supported",
              citations=[CitationCheck(written=3, n=1, status="supported")]),
        Claim(text="Margins will double [unsupported].", status="unsupported",
              citations=[CitationCheck(written=9, n=None, status="no_such_passage")]),
    ]
    answer = base.model_copy(update={"mode": "llm", "claims": claims, "answer": "unused",
                                     "notice": "answer cut at the token limit"})
    units = render.answer_units(answer, turn=2)
    assert len(units) == 2
    assert units[0].startswith("Alibaba will invest 380 billion yuan ") and 'href="#src-2-1"' in units[0]
    assert 'class="verifier-mark"' in units[1] and "[unsupported]" in units[1]
    assert "Note: answer cut at the token limit" in render.answer_markdown(answer, turn=2)


def test_the_scale_mark_is_styled_like_the_other_verifier_marks() -> None:
    from assistant.answer.verify import SCALE_NOT_STATED
    from assistant.models import CitationCheck, Claim

    claim = Claim(text=f"Revenue was 1,234 [1] [{SCALE_NOT_STATED}].", status="supported",
                  citations=[CitationCheck(written=1, n=1, status="supported")])
    answer = _answer().model_copy(update={"mode": "llm", "claims": [claim], "answer": "unused"})
    [unit] = render.answer_units(answer, turn=1)
    assert 'href="#src-1-1"' in unit
    mark = re.search(r'<span class="verifier-mark" title="([^"]+)">\[([^\]]+)\]</span>', unit)
    assert mark is not None, unit
    assert mark.group(2) == SCALE_NOT_STATED and "scale" in mark.group(1)


def test_cannot_answer_is_distinct_and_lists_closest_passages() -> None:
    answer = _answer(cannot=True)
    message = render.answer_markdown(answer, turn=1)
    assert 'class="msg no-answer"' in message and "I cannot answer this" in message
    panel = render.sources_html([(1, answer)])
    assert "Nothing cited" in panel and "src-card uncited" in panel


def test_sources_panel_folds_earlier_answers() -> None:
    panel = render.sources_html([(1, _answer()), (2, _answer())])
    assert panel.index('id="src-2-1"') < panel.index("<details")  # latest first, open
    assert panel.index("<details") < panel.index('id="src-1-1"')
    assert render.sources_html([]) == render.EMPTY_SOURCES


def test_library_rows_and_examples() -> None:
    def record(name: str, when: str, **meta: str) -> DocRecord:
        return DocRecord(doc_id=name, source=f"/corpus/{name}", content_hash="h", kind="sec",
                         meta=DocMeta(title=meta.pop("title", name), **meta), n_chunks=4,
                         ingested_at=when)

    records = [
        record("ORCL_8-K_2024-11-14.html", "2025-01-01T10:00:00+00:00", company="ORACLE CORP",
               form="8-K"),
        record("x.html", "2025-01-02T10:00:00+00:00", company="BUCKLE, INC", form="8-K"),
        record("note.md", "2025-01-03T10:00:00+00:00"),
    ]
    rows = render.library_rows(records)
    assert [r[0] for r in rows] == ["note.md", "x.html", "ORCL_8-K_2024-11-14.html"]  # newest first
    assert rows[1][1:5] == ["BUCKLE, INC", "8-K", "", 4]
    assert render.example_questions(records) == [
        "How did Oracle's stockholders vote?", "What did Buckle report in its 8-K?"]
    assert render.short_company("Nordstrom, Inc.") == "Nordstrom"


# --- the notebook rendering ------------------------------------------------------------------


def test_answer_repr_html_escapes_and_links_sources() -> None:
    out = _answer()._repr_html_()
    assert "<b>matters</b>" not in out and "&lt;b&gt;matters&lt;/b&gt;" in out
    assert "Sources" in out and ">[1]</a>" in out and "Item 7, p. 3" in out
    assert 'href="file:///data/filings/alibaba%20note.pdf"' in out
    cannot = _answer(cannot=True)._repr_html_()
    assert "Not in the sources." in cannot and "Sources" not in cannot


def test_chat_command_is_offered_without_share() -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    result = CliRunner().invoke(app, ["chat", "--help"])
    assert result.exit_code == 0
    assert "--host" in result.output and "--port" in result.output and "--share" not in result.output


# --- the app driven without a browser: conversations and downloads -------------------------------

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


# --- filters as shown ------------------------------------------------------------------------------


def test_filters_are_checked_where_typed_and_say_the_format() -> None:
    from assistant.ui.filters import ChatFilters, FilterError

    typed = ChatFilters.read(" Nordstrom ", "", "Jan 2024", "2024-06-30", None)
    assert typed.active() == ["company", "date_from", "date_to"]
    [problem] = typed.problems()
    assert "“Jan 2024” is not a date in the form YYYY-MM-DD" in problem
    assert problem.startswith("Published from")
    with pytest.raises(FilterError, match="YYYY-MM-DD"):
        typed.checked()
    backwards = ChatFilters.read(None, None, "2024-06-30", "2024-01-01", None)
    assert "after Published to" in backwards.problems()[0]
    assert ChatFilters.read(None, None, "2024-02-30", None, None).problems()  # no such day
    fine = ChatFilters.read("Nordstrom", "8-K", "2024-01-01", None, ["d1"])
    assert fine.checked() == {"company": "Nordstrom", "form": "8-K", "date_from": "2024-01-01",
                              "date_to": None, "doc_ids": ["d1"]}
    assert ChatFilters.read(None, None, None, None, None).checked()["doc_ids"] is None


@pytest.mark.parametrize(
    ("filters", "summary"),
    [
        (dict(company="Nordstrom", date_from="2024-01-01", date_to="2024-06-30"),
         "Nordstrom documents, dated 2024-01-01 to 2024-06-30"),
        (dict(company="Nordstrom", form="8-K", docs=["a", "b"]),
         "Nordstrom documents, form 8-K, among the 2 chosen documents"),
        (dict(form="10-Q", date_to="2023-12-31"), "10-Q documents, dated 2023-12-31 or earlier"),
        (dict(docs=["a"]), "the 1 chosen document"),
        (dict(date_from="2024-01-01"), "documents, dated 2024-01-01 or later"),
        ({}, None),
    ],
)
def test_filters_summary_names_what_was_searched(filters: dict[str, Any], summary: str | None) -> None:
    from assistant.ui.filters import ChatFilters

    args = {"company": None, "form": None, "date_from": None, "date_to": None, "docs": None,
            **filters}
    chosen = ChatFilters.read(*args.values())
    assert chosen.summary() == summary
    assert ChatFilters.stored(chosen.checked()) == chosen  # as a conversation stores them


def test_what_was_searched_counts_the_documents_left() -> None:
    from assistant.ui.filters import ChatFilters

    chosen = ChatFilters.read("Nordstrom", None, None, None, None)
    assert chosen.searched(2, 7) == "Nordstrom documents (2 of 7 documents)"
    assert chosen.searched(0, 7) == "Nordstrom documents: no document of the 7 matches them"
    assert ChatFilters().searched(7, 7) is None


def test_filter_chips_and_the_panel_count() -> None:
    from assistant.ui.filters import ChatFilters, accordion_label

    chosen = ChatFilters.read("Nordstrom", None, "2024-01-01", None, ["d1"])
    labels = {"d1": "Nordstrom 8-K filed 2023-03-01, the annual meeting results (JWN_8-K.html)"}
    assert chosen.chip_label("company", labels) == "Company: Nordstrom ✕"
    assert chosen.chip_label("date_from", labels) == "From: 2024-01-01 ✕"
    one = chosen.chip_label("doc_ids", labels)
    assert one.startswith("Document: Nordstrom 8-K") and "…" in one and len(one) <= 54
    two = ChatFilters.read(None, None, None, None, ["d1", "d2"])
    assert two.chip_label("doc_ids", labels) == "2 documents ✕"
    assert accordion_label(len(chosen.active())) == "Filters (3)"
    assert accordion_label(0) == "Filters"


def test_company_list_has_one_entry_per_company() -> None:
    from assistant.ui.filters import company_choices

    metas = [DocMeta(company="BUCKLE, INC", cik="0000885245"),
             DocMeta(company="Buckle Inc", cik="885245"),  # stored before one name per CIK
             DocMeta(company="The Buckle, Inc."),           # an article: no CIK, the same name
             DocMeta(company="Buckle Corp", cik="0000999999"),  # another CIK: another company
             DocMeta(company="Acme Corp"), DocMeta(company="ACME CORPORATION"), DocMeta()]
    assert company_choices(metas) == ["Acme Corp", "Buckle Corp", "BUCKLE, INC"]


def test_answers_and_refusals_name_the_filters() -> None:
    refused = render.answer_markdown(_answer(cannot=True), turn=1,
                                     filters="Nordstrom documents, dated 2024-01-01 to 2024-06-30")
    assert ("Not in the sources</strong> — <span class=\"filter-scope\">searched only Nordstrom "
            "documents, dated 2024-01-01 to 2024-06-30</span>") in refused
    assert "I cannot answer this" in refused
    assert "filter-scope" not in render.answer_markdown(_answer(cannot=True), turn=1)
    answered = render.answer_markdown(_answer(), turn=1, filters="8-K documents")
    assert "Filters: searched only 8-K documents" in answered and 'href="#src-1-1"' in answered


def test_a_question_without_an_answer_leaves_no_sources_of_another() -> None:
    panel = render.sources_html([(1, _answer())], failed=("<b>Dividend?</b>", "the search failed"))
    latest = panel.split("<details")[0]
    assert "src-turn latest failed" in latest and "&lt;b&gt;Dividend?" in latest
    assert "No sources: the search failed" in latest and "src-card" not in latest
    assert panel.index("<details") < panel.index('id="src-1-1"')  # the earlier answer, folded
    first_question = render.sources_html([], ("Q", "the search failed"))
    assert first_question != render.EMPTY_SOURCES and "No sources: the search failed" in first_question


# --- identical passages, one card --------------------------------------------------------------


def test_citations_of_one_passage_share_a_card_with_each_quote_marked() -> None:
    first = _answer()
    second_quote = "Alibaba Group's AI plans are large."
    again = first.citations[0].model_copy(update={"n": 2, "quote": second_quote})
    answer = first.model_copy(update={"citations": [first.citations[0], again]})
    panel = render.sources_html([(1, answer)])
    assert panel.count('class="src-card') == 1
    card = panel.split('class="src-card', 1)[1]
    assert 'id="src-1-1"' in card and 'id="src-1-2" data-n="2"' in card  # both [n] land on it
    assert card.count('<mark class="quote">') == 2 and "Also in" not in card


def test_the_same_text_in_duplicate_documents_is_one_card_listing_both_places() -> None:
    base = _answer()
    copy = _passage(chunk_id="c2", doc_id="d2", title="Alibaba note (copy)",
                    source="/data/copies/alibaba note.pdf", url=None, page=5, text=TEXT + "\n")
    other = _passage(chunk_id="c3", doc_id="d3", title="Another note", text="Other words.")
    cited_copy = base.citations[0].model_copy(update={
        "n": 2, "chunk_id": "c2", "doc_id": "d2", "title": copy.title, "source": copy.source,
        "url": None, "page": 5})
    both = base.model_copy(update={"citations": [base.citations[0], cited_copy],
                                   "passages": [_passage(), copy, other]})
    panel = render.sources_html([(1, both)])
    assert panel.count('class="src-card') == 1
    assert "Also in: <a" in panel and "Alibaba note (copy)" in panel and "p. 5" in panel
    # cited once, the copy retrieved too: still one card, the copy listed as another place
    once = base.model_copy(update={"passages": [_passage(), copy, other]})
    assert render.sources_html([(1, once)]).count('class="src-card') == 1
    assert "Alibaba note (copy)" in render.sources_html([(1, once)])
    # after a refusal the closest passages merge the same way
    refused = _answer(cannot=True).model_copy(update={"passages": [_passage(), copy, other]})
    closest = render.sources_html([(1, refused)])
    assert closest.count('class="src-card') == 2 and "Also in: <a" in closest


def test_a_reopened_conversation_names_the_filters_each_answer_was_searched_with() -> None:
    from assistant.conversations import Conversation, ConversationSummary, Turn
    from assistant.ui.conversations import chat_messages

    summary = ConversationSummary(id="c", title="t", created_at="", updated_at="", questions=2)
    turns = [Turn("Dividend in 2019?", _answer(cannot=True), {"company": "Nordstrom",
                                                             "date_to": "2023-12-31"}),
             Turn("How much is Alibaba investing?", _answer(), {})]
    messages, _, _ = chat_messages(Conversation(summary, turns))
    refusal, answered = messages[1]["content"], messages[3]["content"]
    assert "searched only Nordstrom documents, dated 2023-12-31 or earlier" in refusal
    assert "filter-scope" not in answered


def test_the_company_list_names_each_company_by_its_other_spellings_too() -> None:
    from assistant.ui.filters import company_labels
    from ingest.identity import Alias, CompanyIdentity

    pg = CompanyIdentity("The Procter & Gamble Company", "PG", "0000080424",
                         (Alias("Procter & Gamble", "short"), Alias("P&G", "initials"),
                          Alias("THE PROCTER & GAMBLE CO", "document")))
    labels = company_labels(["The Procter & Gamble Company", "Acme Corp"], [pg])
    label, value = labels[0]
    assert value == "The Procter & Gamble Company"  # what the filter matches on stays the name
    assert "P&G" in label and "PG" in label and "Procter & Gamble" in label
    assert "THE PROCTER" not in label  # the same name in another case is not another spelling
    assert labels[1] == ("Acme Corp", "Acme Corp")  # no identity known: the name alone
