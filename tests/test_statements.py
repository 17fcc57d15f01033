"""Statement labels per chunk (ingest/statements.py): read from headings at ingest, HTML and PDF,
kept in the registry and Chroma, and used by retrieval: a metric question brings its statement's
page up, and the top k are k distinct pages."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.retrieval import group_places
from ingest.chunking import chunk_document
from ingest.documents import Chunk, Document
from ingest.loaders import load_bytes, load_documents
from ingest.registry import ChunkRecord
from ingest.statements import is_heading, label_at, statement_changes
from tests.conftest import FIXTURES
from tests.fixtures.make_pdf_fixtures import lines_pdf


def _words(texts: Sequence[str]) -> list[int]:
    return [len(t.split()) for t in texts]


def _page_labels(doc: Document) -> dict[int | None, set[str | None]]:
    labels: dict[int | None, set[str | None]] = {}
    for chunk in chunk_document(doc, _words, max_tokens=120):
        labels.setdefault(chunk.page, set()).add(chunk.statement)
    return labels


def test_a_real_10q_pdf_is_labelled_page_by_page() -> None:
    """Apple's 10-Q as a PDF: the statements by their titles, the notes, the segment note by its
    numbered heading, MD&A from its Item line on."""
    labels = _page_labels(load_documents(str(FIXTURES / "AAPL_10-Q_2023-Q2.pdf"))[0])
    assert labels[4] == {"financial_statements", "income_statement"}  # "Item 1." over the statement
    assert labels[6] == {"balance_sheet"}
    assert labels[8] == {"cash_flows"}
    assert labels[10] == {"notes"}
    assert "segment_note" in labels[16]
    assert labels[18] == {"mdna"}
    assert labels[1] == {None}  # the cover page is in no statement


def _toy_10k_html() -> bytes:
    prose = "<p>" + "Capital expenditures grew as we opened new stores and centres. " * 4 + "</p>"
    rows = "".join(f"<tr><td>{label}</td><td>{a}</td><td>{b}</td></tr>" for label, a, b in [
        ("Net income", "5,120", "4,870"), ("Net cash provided by operating activities", "7,450", "6,980"),
        ("Purchases of property, plant and equipment", "(2,310)", "(1,990)")])
    body = (
        "<div>Item 7. Management’s Discussion and Analysis of Financial Condition and Results of "
        f"Operations</div>{prose}<div>Cash Flows</div>{prose}"
        f"<div>Item 8. Financial Statements and Supplementary Data</div>{prose}"
        "<div>CONSOLIDATED STATEMENTS OF CASH FLOWS</div>"
        f"<table><tr><td>(In millions)</td><td>2020</td><td>2019</td></tr>{rows}</table>"
        f"<div>NOTES TO CONSOLIDATED FINANCIAL STATEMENTS</div><div>Note 1 — Summary</div>{prose}"
        f"<div>Balance Sheet Location</div>{prose}"
    )
    return ("<html><body><div>UNITED STATES SECURITIES AND EXCHANGE COMMISSION</div>"
            f"<div>FORM 10-K</div>{prose}{body}</body></html>").encode()


def _label_after(doc: Document, chunks: list[Chunk], heading: str) -> str | None:
    """The label of the text just under `heading`."""
    at = doc.text.index(heading) + len(heading) + 2
    return next(c.statement for c in chunks if c.start <= at < c.end)


def test_an_html_filing_is_labelled_by_item_heading_and_caption() -> None:
    doc = load_bytes(_toy_10k_html(), source="/x/toy-10k.html", suffix=".html")
    chunks = chunk_document(doc, _words, max_tokens=60)
    assert _label_after(doc, chunks, "CONSOLIDATED STATEMENTS OF CASH FLOWS") == "cash_flows"
    assert _label_after(doc, chunks, "Item 7. Management") == "mdna"
    # MD&A's own "Cash Flows" subheading does not make its prose the cash-flow statement
    assert _label_after(doc, chunks, "Cash Flows\n") == "mdna"
    # nor does a note's subheading make the note the balance sheet
    assert _label_after(doc, chunks, "Balance Sheet Location") == "notes"
    assert _label_after(doc, chunks, "FORM 10-K") is None


def test_headings_are_lines_set_like_headings() -> None:
    assert is_heading("CONSOLIDATED STATEMENTS OF CASH FLOWS")
    assert is_heading("Note 17 — Operating Segments and Related Information")
    assert not is_heading("See accompanying Notes to Condensed Consolidated Financial Statements.")
    assert not is_heading("in the Notes to Consolidated Financial Statements):")  # a wrapped line
    assert not is_heading("Net cash provided by operating activities | 7,450 | 6,980")


def test_label_at_takes_the_label_covering_most_of_a_chunk() -> None:
    changes = [(0, None), (100, "balance_sheet"), (180, "cash_flows")]
    assert label_at(changes, 90, 170) == "balance_sheet"
    assert label_at(changes, 170, 400) == "cash_flows"
    assert label_at(changes, 0, 50) is None
    assert label_at(changes, 0, 120) == "balance_sheet"  # unlabelled text does not outvote a heading


def test_a_pdf_without_items_is_labelled_by_its_titles() -> None:
    """An earnings release or annual report has no Item lines: statement titles alone label it."""
    pdf = lines_pdf([["Fourth quarter results", "Revenue rose 8% on strong demand."],
                     ["Condensed Consolidated Balance Sheets (Unaudited)", "Total current assets 9,100"]])
    doc = load_bytes(pdf, source="/x/release.pdf", suffix=".pdf")
    assert [label for _, label in statement_changes(doc)] == [None, "balance_sheet"]


# --- store ---------------------------------------------------------------------------------------
RISK = ["Item 1A. Risk Factors",
        "Our business depends on capital markets and we may be unable to fund expenditures."]
MDNA = ["Item 7. Management's Discussion and Analysis of Financial Condition and Results of Operations",
        "Capital Expenditures",
        "Capital expenditures in fiscal 2020 were higher than in fiscal 2019, as we invested in",
        "new stores, distribution centers and technology. We expect capital expenditure to grow",
        "in fiscal 2021 as we continue to invest in our supply chain and stores."]
CASH_FLOWS = ["Item 8. Financial Statements and Supplementary Data",
              "Consolidated Statements of Cash Flows", "(In millions) 2020 2019",
              "Net income 5,120 4,870", "Depreciation and amortization 1,310 1,220",
              "Net cash provided by operating activities 7,450 6,980",
              "Purchases of property, plant and equipment (2,310) (1,990)",
              "Net cash used in investing activities (2,500) (2,100)"]


@pytest.fixture
def ten_k(tmp_path: Path, assistant: Assistant) -> Assistant:
    path = tmp_path / "acme-10k-2020.pdf"
    path.write_bytes(lines_pdf([RISK, MDNA, CASH_FLOWS]))
    report = assistant.ingest(path, progress=False, company="Acme Corp")
    assert report.ok, report.failed
    return assistant


def test_labels_are_stored_in_the_registry_and_chroma(ten_k: Assistant) -> None:
    store = ten_k.store
    by_page = {r.page: r.statement for r in store.registry.iter_chunks()}
    assert by_page == {1: "risk_factors", 2: "mdna", 3: "cash_flows"}
    got = store.collection.get(where={"statement": "cash_flows"}, include=["metadatas"])
    assert [m["page"] for m in got["metadatas"]] == [3]


def test_a_store_written_before_labels_is_relabelled_on_ingest(ten_k: Assistant) -> None:
    store = ten_k.store
    doc_id = next(iter(store.registry.metas()))
    ids = store.registry.chunk_ids_of(doc_id)
    store.registry.db.execute("UPDATE chunks SET statement = NULL")  # as migration 5 leaves them
    store.collection.update(ids=ids, metadatas=[{"doc_id": doc_id}] * len(ids))
    source = store.registry.documents()[0].source
    report = ten_k.ingest(source, progress=False)
    assert report.replaced == [source] and report.embedded == 0  # vectors kept, labels written
    assert {r.statement for r in store.registry.iter_chunks()} == {"risk_factors", "mdna", "cash_flows"}
    assert store.collection.get(where={"statement": "mdna"})["ids"]
    assert ten_k.ingest(source, progress=False).unchanged == [source]


def test_a_metric_question_ranks_its_statement_page_first(ten_k: Assistant) -> None:
    """'capex' is 'Purchases of property, plant and equipment' in the cash-flow statement: that
    page comes first, above MD&A prose about capital expenditures, which plain dense ranking
    puts first."""
    question = "What was Acme's capital expenditure in FY2020?"
    assert ten_k.read(question).statements == ("cash_flows",)
    ten_k.settings.retrieval.statement_weight = 0.0
    assert ten_k.search(question, 3)[0].page == 2  # the failure: MD&A first
    ten_k.settings.retrieval.statement_weight = 1.0
    top = ten_k.search(question, 3)[0]
    assert (top.page, top.statement) == (3, "cash_flows")
    assert top.json_contract()["statement"] == "cash_flows"


def test_statements_pick_the_page_not_the_document(tmp_path: Path, ten_k: Assistant) -> None:
    """Across a whole store a metric's statement is every company's: the statement ranking only
    reorders the pages of the document the question's own ranking put first (on TAT-QA it pulled
    other companies' statements up)."""
    other = tmp_path / "globex-10k-2020.pdf"
    other.write_bytes(lines_pdf([["Consolidated Statements of Cash Flows",
                                  "Purchases of property and equipment (410) (380)"]]))
    assert ten_k.ingest(other, progress=False, company="Globex Inc").ok
    question = "What capital expenditures were made in fiscal 2020?"  # no company: no scope
    assert ten_k.read(question).statements == ("cash_flows",)
    ten_k.settings.retrieval.statement_weight = 0.0
    plain = ten_k.search(question, 4)
    ten_k.settings.retrieval.statement_weight = 1.0
    found = ten_k.search(question, 4)
    assert found[0].doc_id == plain[0].doc_id  # the same document first
    assert found[0].statement == "cash_flows"  # at its cash-flow statement
    assert {p.doc_id for p in found} == {p.doc_id for p in plain}


def test_top_k_are_distinct_pages(tmp_path: Path, assistant: Assistant) -> None:
    """A page with many matching chunks fills one place, not all k."""
    long_page = [f"Supply chain risk {i}: our suppliers in Asia may fail to deliver components on time."
                 for i in range(40)]
    other = ["Supply chain risk also affects our logistics partners in Europe."]
    path = tmp_path / "risks.pdf"
    path.write_bytes(lines_pdf([long_page, other]))
    assert assistant.ingest(path, progress=False).ok
    assert len([r for r in assistant.store.registry.iter_chunks() if r.page == 1]) >= 3
    assistant.settings.retrieval.auto_scope = False
    passages = assistant.search("supply chain risk of suppliers", 2)
    assert sorted(p.page or 0 for p in passages) == [1, 2]


def test_chunks_of_one_page_add_up_with_a_decay() -> None:
    def record(cid: str, page: int | None) -> ChunkRecord:
        return ChunkRecord(cid, "d", 0, cid, 0, 1, page, None)

    records = {"a": record("a", 1), "b": record("b", 1), "c": record("c", 2), "x": record("x", None)}
    scored = {"c": 0.6, "a": 0.5, "b": 0.4, "x": 0.1}
    summed = group_places(scored, records, 0.5)
    assert [(p.best.chunk_id, round(p.score, 3)) for p in summed] == [("a", 0.7), ("c", 0.6), ("x", 0.1)]
    assert [p.best.chunk_id for p in group_places(scored, records, 0.0)] == ["c", "a", "x"]
    assert len(group_places(scored, records, None)) == 4  # no grouping: every chunk on its own
