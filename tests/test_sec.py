"""SEC filings: EDGAR full-submission .txt files (header, documents, exhibits) and Part / Item
sections. Fixtures: tests/fixtures (see MANIFEST.tsv)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.documents import Document, LoadError
from ingest.loaders import load_bytes, load_bytes_all, load_documents, load_source
from ingest.loaders.sgml import parse_header, split_documents
from ingest.pipeline import IngestOptions, ingest
from ingest.store import Store
from tests.conftest import CountingEmbedder

FIXTURES = Path(__file__).parent / "fixtures"
SUBMISSION = FIXTURES / "BCOW_8-K_2024-12-20_0000943374-24-000509.cut.txt"
BKE_8K = FIXTURES / "BKE_8-K_2024-11-22.html"
BKE_EX99 = FIXTURES / "BKE_8-K_2024-11-22_EX-99.1.html"


def sections(doc: Document) -> list[str]:
    return list(dict.fromkeys(b.section for b in doc.blocks if b.section))


def bke_submission() -> bytes:
    """The Buckle 8-K and its EX-99.1 (both real; the exhibit fixture is already the filing's
    <DOCUMENT> block) in a full-submission wrapper; the header is laid out as EDGAR writes it,
    with the filing's real CIK and dates."""
    header = (
        "<SEC-DOCUMENT>0000885245-24-000041.txt : 20241122\n"
        "<SEC-HEADER>0000885245-24-000041.hdr.sgml : 20241122\n"
        "ACCESSION NUMBER:\t\t0000885245-24-000041\n"
        "CONFORMED SUBMISSION TYPE:\t8-K\n"
        "PUBLIC DOCUMENT COUNT:\t\t3\n"
        "CONFORMED PERIOD OF REPORT:\t20241122\n"
        "FILED AS OF DATE:\t\t20241122\n\n"
        "FILER:\n\n\tCOMPANY DATA:\t\n"
        "\t\tCOMPANY CONFORMED NAME:\t\t\tBUCKLE INC\n"
        "\t\tCENTRAL INDEX KEY:\t\t\t0000885245\n"
        "</SEC-HEADER>\n"
    )

    def document(kind: str, seq: int, name: str, body: str) -> str:
        return (f"<DOCUMENT>\n<TYPE>{kind}\n<SEQUENCE>{seq}\n<FILENAME>{name}\n"
                f"<DESCRIPTION>{kind}\n<TEXT>\n{body}\n</TEXT>\n</DOCUMENT>\n")

    text = (
        header
        + document("8-K", 1, "bke-20241122.htm", BKE_8K.read_text(encoding="utf-8"))
        + BKE_EX99.read_text(encoding="utf-8")
        + document("GRAPHIC", 3, "logo.jpg", "begin 644 logo.jpg\nM_]C_X``02D9)1@`!`0$`8`!@``#_\nend")
        + "</SEC-DOCUMENT>\n"
    )
    return text.encode("utf-8")


# --- full submissions -------------------------------------------------------------------


def test_full_submission_header_gives_the_filing_meta() -> None:
    docs = load_documents(str(SUBMISSION))
    assert len(docs) == 1  # the EX-101.SCH schema is not a readable document
    doc = docs[0]
    meta = doc.meta
    assert doc.kind == "sec"
    assert (meta.cik, meta.form, meta.filed, meta.period, meta.accession) == (
        "0001847360", "8-K", "2024-12-27", "2024-12-20", "0000943374-24-000509"
    )
    assert meta.company and meta.company.upper().startswith("1895 BANCORP OF WISCONSIN")
    assert meta.exhibit is None and meta.parent is None
    assert "<TYPE>" not in doc.text and "xs:schema" not in doc.text and "<XBRL>" not in doc.text
    assert any(s.startswith("Item 5.02. Departure of Directors") for s in sections(doc))
    assert load_source(str(SUBMISSION)).text == doc.text


def test_full_submission_is_recognised_by_content_not_suffix(tmp_path: Path) -> None:
    data = SUBMISSION.read_bytes()
    for suffix, content_type in ((".txt", None), (None, "text/plain"), (None, None)):
        doc = load_bytes(data, source="/x/0000943374-24-000509", suffix=suffix,
                         content_type=content_type)
        assert doc.kind == "sec" and doc.meta.accession == "0000943374-24-000509"


def test_submission_exhibits_become_documents_linked_to_the_filing(tmp_path: Path) -> None:
    path = tmp_path / "0000885245-24-000041.txt"
    path.write_bytes(bke_submission())
    filing, exhibit = load_documents(str(path))  # the GRAPHIC is skipped
    assert filing.meta.source == str(path) and filing.meta.exhibit is None
    assert filing.meta.title == "BUCKLE, INC 8-K 2024-11-22"
    assert "ITEM 2.02. Results of Operations and Financial Condition" in sections(filing)

    meta = exhibit.meta
    assert meta.source == f"{path}#EX-99.1" and exhibit.doc_id != filing.doc_id
    assert meta.url == filing.meta.url == path.as_uri()  # opens the filing
    assert meta.exhibit == "EX-99.1" and meta.parent == filing.doc_id
    assert (meta.accession, meta.cik, meta.form, meta.filed, meta.company) == (
        "0000885245-24-000041", "0000885245", "8-K EX-99.1", "2024-11-22", "BUCKLE, INC"
    )
    assert meta.published == "2024-11-22"  # the release's own date: "For Immediate Release: ..."
    assert meta.title.startswith("BUCKLE, INC 8-K 2024-11-22, EX-99.1")
    assert "REPORTS THIRD QUARTER NET INCOME" in meta.title
    assert any(b.kind == "table" for b in exhibit.blocks)
    assert "NET INCOME | Thirteen Weeks Ended November 2, 2024: $44,172" in exhibit.text
    assert [d.doc_id for d in load_bytes_all(bke_submission(), source=str(path))] == [
        filing.doc_id, exhibit.doc_id
    ]


def test_submission_without_readable_documents_says_so() -> None:
    text = (b"<SEC-DOCUMENT>x.txt\n<SEC-HEADER>\nACCESSION NUMBER: 1\n</SEC-HEADER>\n"
            b"<DOCUMENT>\n<TYPE>GRAPHIC\n<FILENAME>a.jpg\n<TEXT>\nbegin 644\n</TEXT>\n</DOCUMENT>\n")
    with pytest.raises(LoadError, match="without a readable document"):
        load_bytes(text, source="/x/sub.txt", suffix=".txt")


def test_sgml_parts() -> None:
    text = SUBMISSION.read_text(encoding="utf-8")
    header = parse_header(text)
    assert header["COMPANY CONFORMED NAME"] == "1895 Bancorp of Wisconsin, Inc. /MD/"
    assert header["CONFORMED SUBMISSION TYPE"] == "8-K"
    parts = split_documents(text)
    assert [(p.type, p.sequence, p.filename) for p in parts] == [
        ("8-K", 1, "form8k_122024.htm"), ("EX-101.SCH", 2, "bcow-20241220.xsd")
    ]
    assert parts[0].body.lstrip().startswith("<?xml") and parts[0].readable
    assert not parts[1].readable


def test_ingest_stores_the_filing_and_its_exhibit(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    path = tmp_path / "bke-8k.txt"
    path.write_bytes(bke_submission())
    store = Store(tmp_path / "home", embedder)
    try:
        report = ingest([str(path)], store, IngestOptions(), progress=False)
        assert report.failed == []
        assert sorted(report.added) == sorted([str(path), f"{path}#EX-99.1"])
        records = {r.source: r for r in store.registry.documents()}
        exhibit = records[f"{path}#EX-99.1"]
        assert exhibit.meta.exhibit == "EX-99.1"
        assert exhibit.meta.parent == records[str(path)].doc_id
        got = store.collection.get(where={"doc_id": exhibit.doc_id}, include=["metadatas"])
        assert got["metadatas"] and all(
            m["accession"] == "0000885245-24-000041" and m["exhibit"] == "EX-99.1"
            for m in got["metadatas"]
        )
    finally:
        store.close()


def test_deleting_a_filing_by_path_takes_its_exhibits(tmp_path: Path, embedder: CountingEmbedder) -> None:
    from assistant import Assistant

    path = tmp_path / "bke-8k.txt"
    path.write_bytes(bke_submission())
    with Assistant(home=tmp_path / "home", embedder=embedder) as a:
        a.ingest([path], progress=False)
        assert len(a.documents()) == 2
        assert a.delete(str(path))
        assert a.documents() == [] and a.store.count_chunks() == 0
        assert not a.delete(str(path))
