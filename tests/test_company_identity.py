"""Company identity (ingest/identity.py), its registry rows, and resolving a question's company names
against it (assistant/company_match.py), with the scope that follows (assistant/scope.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from assistant.company_match import match_companies
from assistant.question import read_question
from assistant.scope import Scope, resolve_scope
from ingest.company_names import name_variants, short_name
from ingest.documents import Block, DocMeta, Document
from ingest.identity import CompanyIdentity, document_identity, former_names, merge_identities
from ingest.registry import Registry
from ingest.registry_schema import MIGRATIONS
from tests.sqlite_schema import build_schema_at


def no_list(name: str) -> str | None:
    """No SEC list: what the store holds is all that is known."""
    return None


def _identities(*companies: tuple[str, str | None, str | None]) -> list[CompanyIdentity]:
    found = [document_identity(DocMeta(company=c, ticker=t, cik=k)) for c, t, k in companies]
    return [i for i in found if i is not None]


STORE = _identities(
    ("The Procter & Gamble Company", "PG", "80424"),
    ("American Water Works Company, Inc.", "AWK", "1410636"),
    ("The Coca-Cola Company", "KO", "21344"),
    ("JPMorgan Chase & Co.", "JPM", "19617"),
    ("General Mills, Inc.", "GIS", "40704"),
    ("Target Corporation", "TGT", "27419"),
    ("Visa Inc.", "V", "1403161"),
    ("Zorblax Widget Holdings, Inc.", None, None),
    ("Bank of America Corporation", "BAC", "70858"),
)


def _match(question: str) -> tuple[dict[str, float], tuple[str, ...]]:
    names = match_companies(question, STORE, no_list)
    return {m.company: m.score for m in names.matches}, names.unknown


# names people use ---------------------------------------------------------------------------------
def test_short_names_initials_and_first_words() -> None:
    variants = {v.name: v.kind for v in name_variants("The Procter & Gamble Company")}
    assert variants == {"Procter & Gamble": "short", "P&G": "short", "PG": "initials",
                        "Procter": "first word"}
    assert {v.name for v in name_variants("Amazon.com, Inc.")} == {"Amazon.com", "Amazon"}
    assert "BofA" in {v.name for v in name_variants("Bank of America Corporation")}
    assert short_name("JPMorgan Chase & Co.") == "JPMorgan Chase"  # no dangling '&'


def test_former_names_the_document_states() -> None:
    text = ("Walmart Inc. (formerly known as Wal-Mart Stores, Inc.) operates stores.\n"
            "ALPHABET INC.\n(Exact name of registrant as specified in its charter)\n"
            "Google Inc.\n(Former name or former address, if changed since last report)\n")
    assert former_names(text) == ["Wal-Mart Stores, Inc", "Google Inc."]
    assert former_names("N/A\n(Former name or former address, if changed since last report)") == []
    identity = document_identity(DocMeta(company="Alphabet Inc.", ticker="GOOGL"), text)
    assert identity is not None
    assert {a.name for a in identity.aliases if a.kind == "former"} == {
        "Wal-Mart Stores, Inc", "Wal-Mart Stores", "Google Inc.", "Google"}


def test_one_identity_per_cik_with_every_spelling() -> None:
    merged = merge_identities(_identities(("BUCKLE, INC", "BKE", "0000885245"),
                                          ("Buckle Inc", None, "885245"), ("Zorblax Widget Inc", None, None),
                                          ("Zorblax Widget, Inc.", "ZWI", "123")))
    assert [m.legal_name for m in merged] == ["BUCKLE, INC", "Zorblax Widget Inc"]
    assert (merged[0].ticker, merged[1].ticker, merged[1].cik) == ("BKE", "ZWI", "123")


# resolving a question's names --------------------------------------------------------------------------
def test_short_forms_acronyms_tickers_and_typos_resolve() -> None:
    assert _match("What was P&G's revenue in 2023?")[0] == {"The Procter & Gamble Company": 100.0}
    assert _match("Which of JPM's segments grew?")[0] == {"JPMorgan Chase & Co.": 100.0}
    assert _match("What is the FY2017 ROA for Coca Cola?")[0] == {"The Coca-Cola Company": 100.0}
    bofa = _match("What did BofA say about deposits?")[0]  # initials: likely, so boosted
    assert list(bofa) == ["Bank of America Corporation"] and 85 <= bofa["Bank of America Corporation"] < 92
    fuzzy = _match("How did Proctor & Gamble do in 2022?")[0]
    assert list(fuzzy) == ["The Procter & Gamble Company"]
    assert 92 <= fuzzy["The Procter & Gamble Company"] < 100  # sure, but not exact


def test_no_generic_first_words_list_target_visa_american_general() -> None:
    assert _match("How did Target's margins change?")[0] == {"Target Corporation": 100.0}
    assert _match("What did Visa report for FY2023?")[0] == {"Visa Inc.": 100.0}
    assert _match("How much did American Water Works pay in dividends?")[0] == {
        "American Water Works Company, Inc.": 100.0}
    assert _match("Did General Mills grow?")[0] == {"General Mills, Inc.": 100.0}
    # a longer name is never cut down to a stored one
    assert _match("What did American Express's 10-K say?") == ({}, ("American Express",))
    assert _match("What was General Motors's revenue?") == ({}, ("General Motors",))


def test_a_lower_case_word_is_not_a_company() -> None:
    assert _match("What is the target operating margin of the visa program?") == ({}, ())
    # a capitalised common noun for the company is no name the store lacks
    assert _match("What was the Company's revenue, and our Group's margin?") == ({}, ())


def test_a_first_word_alone_is_likely_not_sure_unless_a_cue_says_so() -> None:
    likely, _ = _match("Zorblax revenue in 2023")
    assert 85 <= likely["Zorblax Widget Holdings, Inc."] < 92
    assert _match("Zorblax's revenue in 2023")[0] == {"Zorblax Widget Holdings, Inc.": 100.0}


def test_a_former_name_resolves_to_the_company() -> None:
    text = "Google Inc.\n(Former name or former address, if changed since last report)"
    alphabet = document_identity(DocMeta(company="Alphabet Inc.", ticker="GOOGL", cik="1652044"), text)
    assert alphabet is not None
    names = match_companies("What did Google's 10-K say about cloud?", [alphabet], no_list)
    assert [m.describe() for m in names.matches] == ["Google → Alphabet Inc."]


def test_a_brand_of_a_stored_company_by_the_sec_list() -> None:
    meta = DocMeta(company="Alphabet Inc.", ticker="GOOGL", cik="0001652044")
    alphabet = document_identity(meta)
    assert alphabet is not None
    names = match_companies("How did Alphabet (formerly Google) grow cloud revenue?", [alphabet])
    assert [m.company for m in names.matches] == ["Alphabet Inc."] and names.sure
    assert [m.describe() for m in match_companies("Google's cloud revenue", [alphabet]).matches] == [
        "Google → Alphabet Inc."]


# scope -----------------------------------------------------------------------------------------------
METAS = {
    "pg-k": DocMeta(company="The Procter & Gamble Company", ticker="PG", form="10-K", period="FY2023",
                    period_end="2023-06-30"),
    "aapl-k": DocMeta(company="Apple Inc.", ticker="AAPL", form="10-K", period="FY2023",
                      period_end="2023-09-30"),
    "zb-k": DocMeta(company="Zorblax Widget Holdings, Inc.", form="10-K", period="FY2023",
                    period_end="2023-12-31"),
    "pep-8k": DocMeta(company="PepsiCo, Inc.", ticker="PEP", form="8-K", period="2021-03-03",
                      dated="2021-03-03"),
    "pep-8k-may": DocMeta(company="PepsiCo, Inc.", ticker="PEP", form="8-K", period="2023-05-30"),
    "amd-release": DocMeta(company="Advanced Micro Devices, Inc.", ticker="AMD", doc_type="earnings release",
                           period="Q4 FY2022"),
    "amd-k": DocMeta(company="Advanced Micro Devices, Inc.", ticker="AMD", form="10-K", period="FY2022",
                     period_end="2022-12-31"),
    "amd-annual": DocMeta(company="Advanced Micro Devices, Inc.", ticker="AMD", doc_type="annual report",
                          published="2023-03-01"),
}


def _scope(question: str, uncertain: str = "boost") -> Scope | None:
    return resolve_scope(read_question(question, METAS.values()), METAS, uncertain)  # type: ignore[arg-type]


def test_a_company_stored_under_two_spellings_is_one_scope() -> None:
    metas = {"w18": DocMeta(company="WALMART INC.", cik="104169", form="10-K", period="FY2018"),
             "w20": DocMeta(company="Walmart Inc.", form="10-K", period="FY2020")}
    scope = resolve_scope(read_question("Walmart's EBITDA margin, FY2018 - FY2020", metas.values()), metas)
    assert scope is not None and scope.doc_ids == ["w20"]
    scope = resolve_scope(read_question("Walmart's EBITDA margin", metas.values()), metas)
    assert scope is not None and scope.doc_ids == ["w18", "w20"]


def test_the_scope_shows_how_a_company_was_named() -> None:
    scope = _scope("P&G's FY2023 10-K: what were net sales?")
    assert scope is not None and scope.doc_ids == ["pg-k"] and scope.mode == "filter"
    assert scope.describe().startswith("P&G → The Procter & Gamble Company · 10-K · FY2023")


def test_a_company_the_store_lacks_is_said_and_never_scoped_to_others() -> None:
    scope = _scope("What was Tesla's revenue in FY2023?")
    assert scope is not None and scope.mode == "none" and scope.doc_ids == []
    assert scope.describe() == "Tesla not in the store: searched every document"
    # the period alone would have taken the other companies' FY2023 10-Ks
    assert _scope("What was revenue in FY2023?") is not None


def test_an_uncertain_match_boosts_or_filters() -> None:
    boosted = _scope("Zorblax revenue in FY2023")
    assert boosted is not None and boosted.mode == "boost" and boosted.doc_ids == ["zb-k"]
    assert "preferred; every document searched" in boosted.describe()
    filtered = _scope("Zorblax revenue in FY2023", uncertain="filter")
    assert filtered is not None and filtered.mode == "filter"


def test_earnings_release_annual_report_and_8k_by_date_are_in_scope() -> None:
    release = _scope("AMD Q4 FY2022 earnings: what was revenue?")
    assert release is not None and release.doc_ids == ["amd-release"]
    annual = _scope("What does AMD's annual report say about AI?")
    assert annual is not None and annual.doc_ids == ["amd-annual", "amd-k"]
    dated = _scope("What did PepsiCo announce in the 8-K dated 3rd March 2021?")
    assert dated is not None and dated.doc_ids == ["pep-8k"]
    filed_later = _scope("PepsiCo's 8-K dated June 1, 2023")  # filed two days after its report date
    assert filed_later is not None and filed_later.doc_ids == ["pep-8k-may"]


# the registry keeps identities ------------------------------------------------------------------------
def _doc(source: str, company: str, cik: str, text: str) -> Document:
    meta = DocMeta(source=source, title=source, company=company, cik=cik, ticker="WMT")
    return Document(text=text, kind="text", meta=meta, blocks=[Block(start=0, end=len(text))])


def test_registry_stores_identities_and_lists_one_company_per_cik(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "r.sqlite3")
    try:
        registry.put_document(_doc("/a.txt", "Walmart Inc.", "104169",
                                   "Walmart Inc. (formerly Wal-Mart Stores, Inc.) sells."), [])
        registry.put_document(_doc("/b.txt", "Walmart Inc.", "0000104169", "Sales rose."), [])
        (company,) = registry.companies()
        assert company.legal_name == "Walmart Inc." and company.ticker == "WMT"
        assert "Wal-Mart Stores, Inc" in {a.name for a in company.aliases}
        doc_id = Document(text="", kind="text", meta=DocMeta(source="/a.txt"), blocks=[]).doc_id
        registry.delete_document(doc_id)
        assert doc_id not in registry.identities()
    finally:
        registry.close()


def test_migration_backfills_identities_of_stored_documents(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    meta = DocMeta(source="/p.txt", title="P", company="The Procter & Gamble Company", cik="80424")
    rows: dict[str, list[tuple[object, ...]]] = {"documents": [
        ("d1", "/p.txt", "h", "text", meta.model_dump_json(),
                           "The Procter & Gamble Company (formerly P&G Holdings) makes soap.", 0,
                           "2025-01-01T00:00:00+00:00")]}
    build_schema_at(path, MIGRATIONS, 4, rows)  # a store from before identities
    registry = Registry(path)
    try:
        identity = registry.identities()["d1"]
        assert {a.name for a in identity.aliases} >= {"P&G", "Procter & Gamble", "P&G Holdings"}
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    finally:
        registry.close()


# document kinds read at ingest (ingest/doc_kinds.py) --------------------------------------------------
def test_earnings_release_period_annual_report_and_date_read_from_the_text() -> None:
    from ingest.doc_kinds import fill_document_kind

    release = DocMeta(form="8-K EX-99.1", exhibit="EX-99.1", period="2024-01-30")
    fill_document_kind(release, "NVIDIA Announces Financial Results for Fourth Quarter and Fiscal 2023\n"
                                "Record revenue of $6.05 billion")
    assert (release.doc_type, release.period) == ("earnings release", "Q4 FY2023")
    bare = DocMeta()  # a PDF on its own, as FinanceBench's AMD_2022Q4_EARNINGS
    fill_document_kind(bare, "AMD Reports Fourth Quarter and Full Year 2022 Financial Results")
    assert (bare.doc_type, bare.period) == ("earnings release", "Q4 FY2022")
    annual = DocMeta()
    fill_document_kind(annual, "2022 Annual Report\nDear shareholders, ...")
    assert annual.doc_type == "annual report"
    ten_k = DocMeta(form="10-K", period="FY2022")
    fill_document_kind(ten_k, "Annual report pursuant to section 13. We report fourth quarter 2022 "
                              "results. Credit agreement dated March 18, 2021.")
    assert (ten_k.doc_type, ten_k.period, ten_k.dated) == (None, "FY2022", None)  # its form says
    eight_k = DocMeta(form="8-K")
    fill_document_kind(eight_k, "Date of Report (Date of earliest event reported): May 30, 2023")
    assert eight_k.dated == "2023-05-30"


# end to end: a store of Buckle's earnings release (an 8-K exhibit) and an Alibaba article --------------
def test_search_scopes_boosts_or_searches_everything(two_document_store: Path, minilm: object) -> None:
    from assistant import Assistant

    with Assistant(home=two_document_store, embedder=minilm) as a:  # type: ignore[arg-type]
        release = a.search("What were Buckle's net sales in the Q3 FY2024 earnings release?", k=4)
        assert release.scope is not None and release.scope.mode == "filter"
        assert release.scope.describe() == "Buckle Inc · earnings release · Q3 FY2024 (1 document)"
        assert {p.company for p in release} == {"Buckle Inc"}

        assert {c.legal_name: c.ticker for c in a.companies()} == {
            "Alibaba Group Holding Ltd": "BABA", "Buckle Inc": "BKE"}
        unknown = a.search("What was Tesla's revenue in 2024?", k=4)
        assert unknown.scope is not None and unknown.scope.mode == "none"
        assert {p.company for p in unknown} == {"Buckle Inc", "Alibaba Group Holding Ltd"}

        boosted = a.search("Compare Buckle's and Tesla's AI investment", k=8)
        assert boosted.scope is not None and boosted.scope.mode == "boost"
        assert boosted[0].company == "Buckle Inc"  # preferred, first
        assert "Alibaba Group Holding Ltd" in {p.company for p in boosted}  # but everything searched
        assert [p.rank for p in boosted] == list(range(1, len(boosted) + 1))
    with Assistant(home=two_document_store, embedder=minilm,  # type: ignore[arg-type]
                   retrieval={"uncertain_scope": "filter"}) as a:
        filtered = a.search("Compare Buckle's and Tesla's AI investment", k=8)
        assert filtered.scope is not None and filtered.scope.mode == "filter"
        assert {p.company for p in filtered} == {"Buckle Inc"}

