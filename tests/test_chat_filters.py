"""The chat's filters (assistant/ui/filters.py): checked where typed, summarised as searched,
shown as chips with the panel's count; the company list one entry per company, with its other
spellings."""

from __future__ import annotations

from typing import Any

import pytest

from ingest.documents import DocMeta


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

