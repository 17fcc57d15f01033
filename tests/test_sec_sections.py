"""A filing's Part and Item sections (ingest.loaders.sec_sections), read through the loader."""

from __future__ import annotations

import pytest

from ingest.loaders import load_bytes, load_source
from tests.test_sec import BKE_8K, sections


def _toy_10q(with_part_two_heading: bool = True) -> bytes:
    prose = "<p>" + "Some words about it. " * 15 + "</p>"
    toc = "".join(
        f"<tr><td>{a}</td><td>{b}</td><td>{p}</td></tr>"
        for a, b, p in [("Part I", "", ""), ("Item 1.", "Financial Statements", "1"),
                        ("Item 2.", "MD&amp;A", "9"), ("Part II", "", ""),
                        ("Item 1.", "Legal Proceedings", "20"), ("Item 2.", "Unregistered Sales", "21")]
    )
    part_two = "<div>PART II — OTHER INFORMATION</div>" if with_part_two_heading else ""
    body = (
        f"<div>PART I — FINANCIAL INFORMATION</div><div>Item 1.Financial Statements</div>{prose}"
        f"<div>Item 2. Management’s Discussion and Analysis</div>{prose}{part_two}"
        f"<div>Item 1. Legal Proceedings</div>{prose}<div>Item 2. Unregistered Sales of Equity "
        f"Securities</div>{prose}"
    )
    html = ("<html><body><div>UNITED STATES SECURITIES AND EXCHANGE COMMISSION</div>"
            f"<div>FORM 10-Q</div><table>{toc}</table>{prose}{body}</body></html>")
    return html.encode()


@pytest.mark.parametrize("with_part_two_heading", [True, False])
def test_10q_items_carry_their_part(with_part_two_heading: bool) -> None:
    doc = load_bytes(_toy_10q(with_part_two_heading), source="/x/toy-10q.html", suffix=".html")
    assert doc.meta.form == "10-Q"
    assert sections(doc) == [
        "Part I, Item 1. Financial Statements",  # "Item 1.Financial" gets its space
        "Part I, Item 2. Management’s Discussion and Analysis",
        "Part II, Item 1. Legal Proceedings",
        "Part II, Item 2. Unregistered Sales of Equity Securities",
    ]
    first = next(b for b in doc.blocks if b.section == "Part I, Item 1. Financial Statements")
    assert doc.text[first.start :].startswith("PART I — FINANCIAL INFORMATION\n\nItem 1.")


def test_8k_items_and_their_text() -> None:
    doc = load_source(str(BKE_8K))
    assert sections(doc) == [
        "ITEM 2.02. Results of Operations and Financial Condition", "ITEM 9.01(d). Exhibits"
    ]
    block = next(b for b in doc.blocks if b.section and b.section.startswith("ITEM 9.01"))
    assert "99.1" in doc.text[block.start : block.end]
