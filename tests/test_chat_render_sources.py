"""The sources panel (assistant/ui/render/sources.py): source cards with the quote highlighted
and escaped, links to the original and the cited page, identical passages as one card, earlier
answers folded, a failed question shown without another's sources."""

from __future__ import annotations

import html

from assistant.ui import render
from tests.chat_samples import QUOTE, TEXT, sample_answer, sample_passage


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
    answer = sample_answer()
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

    pdf = sample_answer().citations[0]
    href = render.view_page_link(pdf).split('href="')[1].split('"')[0]
    assert ">View page</a>" in render.view_page_link(pdf) and 'target="_blank"' in render.view_page_link(pdf)
    address = urlsplit(html.unescape(href))
    assert address.path == "page-view" and not address.fragment
    assert parse_qs(address.query) == {"chunk": ["c1"], "q": [QUOTE], "page": ["3"]}
    text = pdf.model_copy(update={"source": "/data/articles/note.html", "page": None})
    link = render.view_page_link(text)
    assert ">View in text</a>" in link and "page=" not in link and '#quote"' in link
    assert render.view_page_link(pdf) in render.source_card(pdf, None, turn=1)


def test_cannot_answer_is_distinct_and_lists_closest_passages() -> None:
    answer = sample_answer(cannot=True)
    message = render.answer_markdown(answer, turn=1)
    assert 'class="msg no-answer"' in message and "I cannot answer this" in message
    panel = render.sources_html([(1, answer)])
    assert "Nothing cited" in panel and "src-card uncited" in panel


def test_sources_panel_folds_earlier_answers() -> None:
    panel = render.sources_html([(1, sample_answer()), (2, sample_answer())])
    assert panel.index('id="src-2-1"') < panel.index("<details")  # latest first, open
    assert panel.index("<details") < panel.index('id="src-1-1"')
    assert render.sources_html([]) == render.EMPTY_SOURCES


def test_a_question_without_an_answer_leaves_no_sources_of_another() -> None:
    panel = render.sources_html([(1, sample_answer())], failed=("<b>Dividend?</b>", "the search failed"))
    latest = panel.split("<details")[0]
    assert "src-turn latest failed" in latest and "&lt;b&gt;Dividend?" in latest
    assert "No sources: the search failed" in latest and "src-card" not in latest
    assert panel.index("<details") < panel.index('id="src-1-1"')  # the earlier answer, folded
    first_question = render.sources_html([], ("Q", "the search failed"))
    assert first_question != render.EMPTY_SOURCES and "No sources: the search failed" in first_question


def test_citations_of_one_passage_share_a_card_with_each_quote_marked() -> None:
    first = sample_answer()
    second_quote = "Alibaba Group's AI plans are large."
    again = first.citations[0].model_copy(update={"n": 2, "quote": second_quote})
    answer = first.model_copy(update={"citations": [first.citations[0], again]})
    panel = render.sources_html([(1, answer)])
    assert panel.count('class="src-card') == 1
    card = panel.split('class="src-card', 1)[1]
    assert 'id="src-1-1"' in card and 'id="src-1-2" data-n="2"' in card  # both [n] land on it
    assert card.count('<mark class="quote">') == 2 and "Also in" not in card


def test_the_same_text_in_duplicate_documents_is_one_card_listing_both_places() -> None:
    base = sample_answer()
    copy = sample_passage(chunk_id="c2", doc_id="d2", title="Alibaba note (copy)",
                    source="/data/copies/alibaba note.pdf", url=None, page=5, text=TEXT + "\n")
    other = sample_passage(chunk_id="c3", doc_id="d3", title="Another note", text="Other words.")
    cited_copy = base.citations[0].model_copy(update={
        "n": 2, "chunk_id": "c2", "doc_id": "d2", "title": copy.title, "source": copy.source,
        "url": None, "page": 5})
    both = base.model_copy(update={"citations": [base.citations[0], cited_copy],
                                   "passages": [sample_passage(), copy, other]})
    panel = render.sources_html([(1, both)])
    assert panel.count('class="src-card') == 1
    assert "Also in: <a" in panel and "Alibaba note (copy)" in panel and "p. 5" in panel
    # cited once, the copy retrieved too: still one card, the copy listed as another place
    once = base.model_copy(update={"passages": [sample_passage(), copy, other]})
    assert render.sources_html([(1, once)]).count('class="src-card') == 1
    assert "Alibaba note (copy)" in render.sources_html([(1, once)])
    # after a refusal the closest passages merge the same way
    refused = sample_answer(cannot=True).model_copy(update={"passages": [sample_passage(), copy, other]})
    closest = render.sources_html([(1, refused)])
    assert closest.count('class="src-card') == 2 and "Also in: <a" in closest

