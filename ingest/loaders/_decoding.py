"""Bytes to text: binary sniffing, UTF-8/UTF-16/cp1252 decoding, an HTML page's declared charset;
and the whitespace rules every loader shares."""

from __future__ import annotations

import re

from ingest.documents import LoadError

from ._common import log


def looks_binary(data: bytes) -> bool:
    """NUL bytes, or many control characters, in the first 8 KB mean it is not text."""
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a BOM is text
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return bool(head) and controls / len(head) > 0.05


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 (BOM ok), UTF-16 with a BOM, else cp1252, else latin-1 (with a warning)."""
    if looks_binary(data):
        raise LoadError(
            source,
            "is not text (it contains binary data such as NUL bytes); check the file type "
            "or re-download it",
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        log.warning("%s is not valid UTF-8; decoded it as %s", source, encoding)
        return text
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


_DECLARED = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""",
    re.I,
)


def decode_html(data: bytes, source: str, charset: str | None = None) -> str:
    """Valid UTF-8 wins (declarations often lie); else the charset from the HTTP header or the
    page's own declaration; else cp1252 / latin-1 (with a warning)."""
    if looks_binary(data) or data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode_text(data, source)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    found = _DECLARED.search(data[:4096])
    declared = (found.group(1) or found.group(2)).decode("ascii") if found else None
    for name in (charset, declared):
        if not name:
            continue
        name = name.lower()
        if name in ("iso-8859-1", "latin1", "latin-1", "ascii", "us-ascii"):
            name = "cp1252"  # what browsers do
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return decode_text(data, source)


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def squash(text: str) -> str:
    """Collapse every run of whitespace (NBSP included) to one space."""
    return " ".join(text.split())
