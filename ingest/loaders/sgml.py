"""EDGAR full-submission `.txt` files: the SGML `<SEC-HEADER>` and the `<DOCUMENT>` blocks.

A complete submission (what EDGAR serves as `<accession>.txt`) holds a header with the filing's
facts (COMPANY CONFORMED NAME, CENTRAL INDEX KEY, CONFORMED SUBMISSION TYPE, CONFORMED PERIOD OF
REPORT, FILED AS OF DATE, ACCESSION NUMBER) and then every document of the filing, each as
`<DOCUMENT><TYPE>..<SEQUENCE>..<FILENAME>..<DESCRIPTION>..<TEXT>..</TEXT></DOCUMENT>`.

Hand-written on purpose: the format is a flat list of tags; the libraries that parse it
(edgartools) bring pandas, pyarrow and a network client with them.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass

from ingest.dates import iso_date

_DOCUMENT = re.compile(r"<DOCUMENT>(.*?)(?:</DOCUMENT>|\Z)", re.S | re.I)
_TAG_LINE = re.compile(r"^<(TYPE|SEQUENCE|FILENAME|DESCRIPTION)>([^\n<]*)", re.M | re.I)
_TEXT = re.compile(r"<TEXT>(.*?)(?:</TEXT>|\Z)", re.S | re.I)
_WRAPPER = re.compile(r"^\s*<(XBRL|XML|PDF)>\s*(.*?)\s*(?:</\1>\s*)?$", re.S | re.I)
_HEADER = re.compile(r"<(SEC|IMS)-HEADER>(.*?)</\1-HEADER>", re.S | re.I)
_HEADER_LINE = re.compile(r"^\s*([A-Z][A-Z0-9 /&.-]*?):[ \t]*(\S[^\n]*?)\s*$", re.M)
_STATE_SUFFIX = re.compile(r"\s*/[A-Z]{2,3}/?\s*$")  # "1895 Bancorp of Wisconsin, Inc. /MD/"
_HTML_MARKERS = re.compile(r"<(?:html|body|div|p|table|font|br)\b", re.I)
_TEXT_SUFFIXES = (".htm", ".html", ".xhtml", ".txt")
_SKIPPED_TYPES = ("GRAPHIC", "ZIP", "EXCEL", "XML", "JSON", "PDF", "EX-101", "COVER", "XSD")


@dataclass
class SgmlDocument:
    type: str  # "8-K", "EX-99.1", "GRAPHIC" ...
    sequence: int | None
    filename: str
    description: str
    body: str  # the text between <TEXT> and </TEXT>, wrappers (<XBRL>) removed

    @property
    def is_html(self) -> bool:
        return self.filename.lower().endswith((".htm", ".html", ".xhtml")) or bool(
            _HTML_MARKERS.search(self.body[:5000])
        )

    @property
    def readable(self) -> bool:
        """Text a reader wants: the main form and its exhibits, not XBRL, images or archives."""
        kind = self.type.upper()
        if kind.startswith(_SKIPPED_TYPES) or not self.body.strip():
            return False
        return not self.filename or self.filename.lower().endswith(_TEXT_SUFFIXES)

    def as_html(self) -> str:
        """HTML as is; plain text (old filings) as one <pre> block, its layout kept."""
        return self.body if self.is_html else f"<pre>{html_lib.escape(self.body)}</pre>"


@dataclass
class Submission:
    header: dict[str, str]
    documents: list[SgmlDocument]

    @property
    def accession(self) -> str | None:
        return self.header.get("ACCESSION NUMBER")

    @property
    def form(self) -> str | None:
        return self.header.get("CONFORMED SUBMISSION TYPE") or self.header.get("FORM TYPE")

    @property
    def company(self) -> str | None:
        name = self.header.get("COMPANY CONFORMED NAME")
        return _STATE_SUFFIX.sub("", name).strip() or name if name else None

    @property
    def cik(self) -> str | None:
        cik = self.header.get("CENTRAL INDEX KEY")
        return cik.zfill(10) if cik and cik.isdigit() else cik

    @property
    def period(self) -> str | None:
        return iso_date(self.header.get("CONFORMED PERIOD OF REPORT"))

    @property
    def filed(self) -> str | None:
        return iso_date(self.header.get("FILED AS OF DATE"))


def is_submission(text: str) -> bool:
    """A full submission: starts with <SEC-DOCUMENT> / <IMS-DOCUMENT>, or has a <SEC-HEADER>."""
    head = text[:20_000].lstrip().upper()
    return head.startswith(("<SEC-DOCUMENT>", "<IMS-DOCUMENT>")) or "<SEC-HEADER>" in head or (
        "<IMS-HEADER>" in head
    )


def parse_header(text: str) -> dict[str, str]:
    """`KEY: value` lines of the SEC header; the first value of a key wins (the first filer).
    ACCESSION NUMBER and the dates also appear before the header proper in some files."""
    found = _HEADER.search(text[:200_000])
    block = found.group(2) if found else text[:20_000]
    header: dict[str, str] = {}
    for match in _HEADER_LINE.finditer(block):
        header.setdefault(match.group(1).strip().upper(), match.group(2).strip())
    return header


def split_documents(text: str) -> list[SgmlDocument]:
    docs: list[SgmlDocument] = []
    for match in _DOCUMENT.finditer(text):
        block = match.group(1)
        body_match = _TEXT.search(block)
        tags_part = block[: body_match.start()] if body_match else block
        tags = {k.upper(): v.strip() for k, v in _TAG_LINE.findall(tags_part)}
        body = body_match.group(1) if body_match else ""
        wrapped = _WRAPPER.match(body)
        if wrapped:
            body = wrapped.group(2)
        seq = tags.get("SEQUENCE", "")
        docs.append(
            SgmlDocument(
                type=tags.get("TYPE", "").upper(),
                sequence=int(seq) if seq.isdigit() else None,
                filename=tags.get("FILENAME", ""),
                description=html_lib.unescape(tags.get("DESCRIPTION", "")),
                body=body,
            )
        )
    return docs


def parse_submission(text: str) -> Submission:
    return Submission(header=parse_header(text), documents=split_documents(text))
