"""What one document learns from the others at ingest: an exhibit its filing's metadata, a company
its one stored name (ingest/filings.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from assistant.models import Filters
from assistant.retrieval import matching_documents
from ingest.documents import DocMeta
from ingest.filings import KnownFilings, cik_key, name_key
from ingest.pipeline import IngestOptions, ingest
from ingest.store import Store
from tests.conftest import CountingEmbedder

FIXTURES = Path(__file__).parent / "fixtures"
BKE_8K = FIXTURES / "BKE_8-K_2024-11-22.html"
BKE_EX99 = FIXTURES / "BKE_8-K_2024-11-22_EX-99.1.html"


def stored_metas(tmp_path: Path, embedder: CountingEmbedder, *batches: list[Path]) -> dict[str, DocMeta]:
    """Ingest each batch in turn into one store; every stored document's meta by file name."""
    store = Store(tmp_path / "home", embedder)
    try:
        for batch in batches:
            report = ingest([str(p) for p in batch], store, IngestOptions(), progress=False)
            assert report.failed == []
        return {Path(r.source).name: r.meta for r in store.registry.documents()}
    finally:
        store.close()


def test_an_exhibit_file_takes_its_filings_meta(tmp_path: Path, embedder: CountingEmbedder) -> None:
    """The Buckle 8-K and its EX-99.1 as two files: the press release (its own date November 22,
    2024; no form, no filing date) is linked to the 8-K of the same CIK reported that day."""
    metas = stored_metas(tmp_path, embedder, [BKE_8K, BKE_EX99])
    filing, exhibit = metas[BKE_8K.name], metas[BKE_EX99.name]
    assert exhibit.form == "8-K EX-99.1" and exhibit.exhibit == "EX-99.1"
    assert (exhibit.company, exhibit.cik, exhibit.ticker) == (filing.company, "0000885245", "BKE")
    assert exhibit.dated == filing.period == "2024-11-22" and exhibit.published == "2024-11-22"
    # an earnings release: the period it reports, read from its text (ingest/doc_kinds.py)
    assert (exhibit.doc_type, exhibit.period, exhibit.period_end) == (
        "earnings release", "Q3 FY2024", "2024-11-02")
    assert exhibit.parent is not None and exhibit.title.startswith(f"{filing.title}, EX-99.1")
    # one company in every list: the exhibit's "Buckle Inc" (from the SEC list) is the 8-K's name
    assert {m.company for m in metas.values()} == {"BUCKLE, INC"}
    # a form filter of "8-K" keeps the exhibit, and so does a date filter (its own date)
    assert matching_documents(metas, Filters(form="8-K")) == {BKE_8K.name, BKE_EX99.name}
    assert matching_documents(metas, Filters(form="8-K EX-99.1")) == {BKE_EX99.name}
    november = Filters(date_from="2024-11-01", date_to="2024-11-30")
    assert BKE_EX99.name in matching_documents(metas, november)


def test_the_filing_may_be_stored_by_an_earlier_ingest(tmp_path: Path, embedder: CountingEmbedder) -> None:
    folder = tmp_path / "later"
    folder.mkdir()
    exhibit_file = folder / "press-release.html"
    shutil.copy(BKE_EX99, exhibit_file)
    metas = stored_metas(tmp_path, embedder, [BKE_8K], [exhibit_file])
    assert metas[exhibit_file.name].form == "8-K EX-99.1"
    assert metas[exhibit_file.name].company == "BUCKLE, INC"


def test_an_exhibit_without_its_filing_stays_an_exhibit(tmp_path: Path, embedder: CountingEmbedder) -> None:
    exhibit = stored_metas(tmp_path, embedder, [BKE_EX99])[BKE_EX99.name]
    assert exhibit.exhibit == "EX-99.1" and exhibit.parent is None and exhibit.form is None
    assert exhibit.published == "2024-11-22" and exhibit.cik == "0000885245"


def test_an_exhibit_stored_before_its_filing_is_adopted_when_the_filing_arrives(
        tmp_path: Path, embedder: CountingEmbedder) -> None:
    """The press release first (alone, it has no form and no filing), then the 8-K, in a later
    ingest or later in the same one: the exhibit ends as if the 8-K had come first, in the
    registry and in Chroma's copy of its metadata."""
    for name, batches in (("later", [[BKE_EX99], [BKE_8K]]), ("same", [[BKE_EX99, BKE_8K]])):
        home = tmp_path / name
        metas = stored_metas(home, embedder, *batches)
        exhibit, filing = metas[BKE_EX99.name], metas[BKE_8K.name]
        assert exhibit.form == "8-K EX-99.1", name
        assert exhibit.parent is not None and exhibit.title.startswith(f"{filing.title}, EX-99.1")
        assert (exhibit.company, exhibit.ticker, exhibit.dated) == (filing.company, "BKE", "2024-11-22")
        assert exhibit.period == "Q3 FY2024"  # the earnings release's own, read from its text
        store = Store(home / "home", embedder)
        try:
            record = next(r for r in store.registry.documents() if r.source.endswith(BKE_EX99.name))
            stored = store.collection.get(ids=store.registry.chunk_ids_of(record.doc_id))
            assert {m["form"] for m in stored["metadatas"]} == {"8-K EX-99.1"}, name
            assert {m["page"] for m in stored["metadatas"] if "page" in m} <= {1}
        finally:
            store.close()


def test_update_meta_rewrites_the_stored_metadata_and_the_embedded_header(
        tmp_path: Path, embedder: CountingEmbedder) -> None:
    """Store.update_meta, the store's half of an adoption: the registry's meta and its facts'
    company, Chroma's metadata, and (with chunk context, whose header names the company) the
    vectors."""
    import numpy as np

    from ingest.chunk_context import embedding_text
    from ingest.documents import Chunk
    from tests.stores import PARAGRAPHS, make_doc, write

    store = Store(tmp_path / "home", embedder, chunk_context=True)
    try:
        doc = make_doc("/a.txt", PARAGRAPHS)
        write(store, doc)
        meta = doc.meta.model_copy(update={"company": "Zeta Holdings", "form": "8-K EX-99.1"})
        assert store.update_meta(doc.doc_id, meta)
        assert store.registry.metas()[doc.doc_id] == meta
        got = store.collection.get(ids=store.registry.chunk_ids_of(doc.doc_id),
                                   include=["metadatas", "embeddings"])
        records = store.registry.chunks_by_id(got["ids"])
        for chunk_id, stored, vector in zip(got["ids"], got["metadatas"], got["embeddings"],
                                            strict=True):
            assert (stored["company"], stored["form"]) == ("Zeta Holdings", "8-K EX-99.1")
            r = records[chunk_id]
            text = embedding_text(Chunk(chunk_id=chunk_id, doc_id=r.doc_id, text=r.text,
                                        start=r.start, end=r.end, section=r.section), meta, True)
            assert text.startswith("Zeta Holdings | ")
            np.testing.assert_allclose(vector, embedder.embed([text])[0], atol=1e-5)
        assert not store.update_meta("no-such-document", meta)
    finally:
        store.close()


def filing(company: str, cik: str | None, day: str, accession: str | None = None) -> DocMeta:
    return DocMeta(company=company, cik=cik, form="8-K", period=day, title=f"{company} 8-K {day}",
                   accession=accession)


def test_an_exhibit_is_linked_by_accession_first_then_by_the_nearest_date() -> None:
    known = KnownFilings.of({
        "early": filing("Acme Corp", "0000000042", "2024-03-01"),
        "late": filing("Acme Corp", "0000000042", "2024-03-20", accession="0000000042-24-000002"),
        "other": filing("Other Inc", "0000000043", "2024-03-05"),
    })
    near = DocMeta(exhibit="EX-99.1", cik="42", published="2024-03-04", title="EX-99.1: Acme reports")
    known.settle(near)
    assert near.parent == "early" and near.form == "8-K EX-99.1" and near.period == "2024-03-01"
    assert near.title == "Acme Corp 8-K 2024-03-01, EX-99.1: Acme reports"
    far = DocMeta(exhibit="EX-99.1", cik="42", published="2024-04-30")
    known.settle(far)
    assert far.parent is None and far.form is None  # no filing of its company that week
    by_accession = DocMeta(exhibit="EX-99.2", accession="0000000042-24-000002")
    known.settle(by_accession)
    assert by_accession.parent == "late" and by_accession.form == "8-K EX-99.2"
    undated = DocMeta(exhibit="EX-99.1", cik="42")
    known.settle(undated)
    assert undated.parent is None  # which filing is not known: none is guessed


def test_an_orphan_exhibit_is_adopted_only_by_its_own_filing() -> None:
    known = KnownFilings()
    exhibit = DocMeta(exhibit="EX-99.1", cik="42", published="2024-03-04", title="EX-99.1: Acme")
    known.settle(exhibit)
    known.add("ex", exhibit)
    for doc_id, meta in (("other", filing("Other Inc", "0000000043", "2024-03-04")),
                         ("far", filing("Acme Corp", "0000000042", "2024-05-01"))):
        known.add(doc_id, meta)  # another company's filing that day; its own, not that week
        assert known.adopt(doc_id, meta) == [], doc_id
    near = filing("Acme Corp", "0000000042", "2024-03-01")
    known.add("near", near)
    [(doc_id, adopted)] = known.adopt("near", near)
    assert doc_id == "ex" and adopted.parent == "near" and adopted.form == "8-K EX-99.1"
    assert exhibit.parent is None  # the stored meta is rewritten by the caller, from the copy
    assert known.adopt("near", near) == []  # adopted once
    assert known.adopt("ex", adopted) == []  # an exhibit adopts nothing
    by_accession = DocMeta(exhibit="EX-99.2", accession="0000000042-24-000009")
    known.add("ex2", by_accession)
    known.add("ex2", by_accession.model_copy(update={"parent": "elsewhere"}))  # stored again, linked
    late = filing("Acme Corp", "0000000042", "2024-06-01", accession="0000000042-24-000009")
    known.add("late", late)
    assert known.adopt("late", late) == []  # no longer an orphan
    known.add("ex3", DocMeta(exhibit="EX-99.1", accession="0000000042-24-000010"))  # no date
    latest = filing("Acme Corp", "0000000042", "2024-07-01", accession="0000000042-24-000010")
    known.add("latest", latest)
    assert [(d, m.parent) for d, m in known.adopt("latest", latest)] == [("ex3", "latest")]


def test_one_name_per_company() -> None:
    known = KnownFilings.of({"a": DocMeta(company="BUCKLE, INC", cik="0000885245", form="8-K")})
    by_cik = DocMeta(company="Buckle Inc", cik="885245")
    known.settle(by_cik)
    assert by_cik.company == "BUCKLE, INC"
    by_name = DocMeta(company="The Buckle, Inc.")  # no CIK: the name without its legal form
    known.settle(by_name)
    assert by_name.company == "BUCKLE, INC"
    other = DocMeta(company="Buckle Corp", cik="0000999999")
    known.settle(other)
    assert other.company == "Buckle Corp"  # the same name under another CIK: another company
    known.add("b", DocMeta(company="Acme Corp", cik=None))
    known.add("c", DocMeta(company="ACME CORPORATION", cik=None))
    later = DocMeta(company="acme corp.")
    known.settle(later)
    assert later.company == "Acme Corp"  # the first stored spelling wins


def test_keys() -> None:
    assert cik_key("0000885245") == cik_key("885245") == "885245"
    assert cik_key(None) is None and cik_key("n/a") is None
    assert name_key("BUCKLE, INC") == name_key("The Buckle, Inc.") == name_key("Buckle Inc") == "buckle"
    assert name_key("Amazon.com, Inc.") == "amazon com"
    assert name_key(None) is None
