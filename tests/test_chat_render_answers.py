"""The answer in the chat (assistant/ui/render/answers.py): each [n] linked, streamed sentence by
sentence, the verifier's marks, the filters named; and the notebook's rendering of an Answer."""

from __future__ import annotations

import re

from assistant.ui import render
from tests.chat_samples import sample_answer


def test_answer_markdown_links_each_citation_and_streams() -> None:
    answer = sample_answer()
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
    citation = sample_answer().citations[0].model_copy(update={"quote": quote})
    answer = sample_answer().model_copy(update={"answer": "Capex rose 40% in 2024 (ref. 2). [1]",
                                          "citations": [citation]})
    [unit] = render.answer_units(answer, turn=1)
    assert unit.startswith("Capex rose 40% in 2024 (ref. 2). ") and "[2]" not in unit
    assert ">[1]</a>" in unit
    shown = answer._repr_html_()
    assert "(ref. 2)" in shown and "2024 [2]" not in shown.split("<ol>")[0]


def test_llm_answers_show_the_written_text_with_checked_links() -> None:
    from assistant.models import CitationCheck, Claim

    base = sample_answer()
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
    answer = sample_answer().model_copy(update={"mode": "llm", "claims": [claim], "answer": "unused"})
    [unit] = render.answer_units(answer, turn=1)
    assert 'href="#src-1-1"' in unit
    mark = re.search(r'<span class="verifier-mark" title="([^"]+)">\[([^\]]+)\]</span>', unit)
    assert mark is not None, unit
    assert mark.group(2) == SCALE_NOT_STATED and "scale" in mark.group(1)


def test_answers_and_refusals_name_the_filters() -> None:
    refused = render.answer_markdown(sample_answer(cannot=True), turn=1,
                                     filters="Nordstrom documents, dated 2024-01-01 to 2024-06-30")
    assert ("Not in the sources</strong> — <span class=\"filter-scope\">searched only Nordstrom "
            "documents, dated 2024-01-01 to 2024-06-30</span>") in refused
    assert "I cannot answer this" in refused
    assert "filter-scope" not in render.answer_markdown(sample_answer(cannot=True), turn=1)
    answered = render.answer_markdown(sample_answer(), turn=1, filters="8-K documents")
    assert "Filters: searched only 8-K documents" in answered and 'href="#src-1-1"' in answered


def test_answer_repr_html_escapes_and_links_sources() -> None:
    out = sample_answer()._repr_html_()
    assert "<b>matters</b>" not in out and "&lt;b&gt;matters&lt;/b&gt;" in out
    assert "Sources" in out and ">[1]</a>" in out and "Item 7, p. 3" in out
    assert 'href="file:///data/filings/alibaba%20note.pdf"' in out
    cannot = sample_answer(cannot=True)._repr_html_()
    assert "Not in the sources." in cannot and "Sources" not in cannot

