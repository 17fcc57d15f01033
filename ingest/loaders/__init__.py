"""Turn files and URLs into Documents: one loader per kind, chosen by suffix and by sniffing.

    discover(paths)      folders -> sorted supported files; URLs and missing paths kept as given
    load_source(source)  a file path or http(s) URL -> Document, or LoadError saying what to do
    load_documents(source)  the same, every Document the source holds: an EDGAR full-submission
                         .txt gives its filing first, then one Document per exhibit
    load_bytes(data, source=...) / load_bytes_all(...)  the same for bytes already in hand
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from ingest.documents import DocKind, Document, LoadError
from ingest.locations import is_url

from . import urls
from ._common import human_size
from ._decoding import decode_html
from .html import load_html
from .pdf import load_pdf
from .sec import load_sec, load_submission, looks_like_filing
from .sgml import is_submission
from .text import load_markdown, load_text

__all__ = [
    "SUPPORTED_SUFFIXES", "discover", "load_bytes", "load_bytes_all", "load_documents", "load_source",
]

_KIND_BY_SUFFIX: dict[str, DocKind] = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_KIND_BY_SUFFIX)
_KIND_BY_TYPE: dict[str, DocKind] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "application/pdf": "pdf",
}
DEFAULT_MAX_BYTES = 200 * 2**20
_SUBMISSION = re.compile(rb"<(?:SEC|IMS)-(?:DOCUMENT|HEADER)>", re.I)


def discover(paths: Sequence[str | Path]) -> list[str]:
    """Expand folders recursively into their supported files (sorted; hidden files and folders
    skipped). Files and URLs are kept as given (files as absolute paths); a missing path is kept
    too, so that loading it reports the problem. Duplicates are dropped."""
    found: list[str] = []
    seen: set[str] = set()
    for raw in paths:
        text = str(raw)
        path = Path(text).expanduser()
        if is_url(text):
            items = [text]
        elif path.is_dir():
            items = _walk(path)
        elif path.exists():
            items = [str(path.resolve())]
        else:
            items = [text]
        for item in items:
            if item not in seen:
                seen.add(item)
                found.append(item)
    return found


def _walk(folder: Path) -> list[str]:
    files: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):  # symlinked folders are not followed
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(str((Path(dirpath) / name).resolve()))
    return sorted(files)


def load_source(
    source: str, *, max_bytes: int = DEFAULT_MAX_BYTES, timeout: float = 20.0
) -> Document:
    """Load a file path or an http(s) URL. Raises LoadError for anything that cannot be loaded.
    For a source holding several documents (an EDGAR full submission), the first: the filing."""
    return load_documents(source, max_bytes=max_bytes, timeout=timeout)[0]


def load_documents(
    source: str, *, max_bytes: int = DEFAULT_MAX_BYTES, timeout: float = 20.0
) -> list[Document]:
    """Every Document of a file path or http(s) URL: one, or for an EDGAR full-submission .txt
    the filing and then each exhibit. Raises LoadError for anything that cannot be loaded."""
    source = str(source)
    if is_url(source):
        fetched = urls.fetch(source, max_bytes=max_bytes, timeout=timeout)
        return load_bytes_all(
            fetched.data, source=source, suffix=fetched.suffix, content_type=fetched.content_type
        )
    path = Path(source).expanduser()
    try:
        path = path.resolve(strict=True)
    except (FileNotFoundError, NotADirectoryError):
        raise LoadError(
            str(path.absolute()), "file not found; check the path (relative paths are "
            f"resolved from {Path.cwd()})"
        ) from None
    except (OSError, RuntimeError) as exc:
        raise LoadError(str(path.absolute()), f"cannot be resolved ({exc})") from None
    name = str(path)
    if path.is_dir():
        raise LoadError(name, "is a folder; use discover() (or ingest the folder) to load "
                        "the supported files inside it")
    size = path.stat().st_size
    if size == 0:
        raise _empty(name)
    if size > max_bytes:
        raise LoadError(
            name, f"is {human_size(size)}, over the {human_size(max_bytes)} size cap "
            "(max_bytes); split the file or raise the cap"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(name, f"cannot be read ({exc.strerror}); check its permissions") from None
    return load_bytes_all(data, source=name, suffix=path.suffix)


def load_bytes(
    data: bytes,
    *,
    source: str,
    suffix: str | None = None,
    content_type: str | None = None,
) -> Document:
    """Load bytes already in hand: the first (main) Document of `load_bytes_all`."""
    return load_bytes_all(data, source=source, suffix=suffix, content_type=content_type)[0]


def load_bytes_all(
    data: bytes,
    *,
    source: str,
    suffix: str | None = None,
    content_type: str | None = None,
) -> list[Document]:
    """Load bytes already in hand. `source` (absolute path or URL) names the document; `suffix`
    (".pdf") or `content_type` ("text/html; charset=utf-8") say what it is, and the bytes are
    sniffed too: PDF magic wins, an EDGAR full submission (<SEC-DOCUMENT>, <SEC-HEADER>) is split
    into its documents whatever its suffix, HTML that looks like an SEC filing goes to the filing
    loader."""
    if not data:
        raise _empty(source)
    kind = _kind(data, source, suffix, content_type)
    try:
        if kind == "pdf":
            return [load_pdf(data, source)]
        if kind != "markdown" and _SUBMISSION.search(data[:20_000]):
            text = decode_html(data, source, charset=_charset(content_type))
            if is_submission(text):
                return load_submission(text, source)
        if kind == "text":
            return [load_text(data, source)]
        if kind == "markdown":
            return [load_markdown(data, source)]
        html = decode_html(data, source, charset=_charset(content_type))
        if looks_like_filing(html):
            return [load_sec(html, source)]
        return [load_html(html, source)]
    except LoadError:
        raise
    except RecursionError:
        raise LoadError(source, f"is nested too deeply to read as {kind}; simplify or convert "
                        "it (e.g. print it to PDF)") from None
    except Exception as exc:  # a loader bug or a library failure: still one clear line
        raise LoadError(
            source, f"unexpected {type(exc).__name__} while reading it as {kind}: {exc}; "
            "this is likely a bug in Dossier's loader - please report it with the file"
        ) from exc


def _kind(data: bytes, source: str, suffix: str | None, content_type: str | None) -> DocKind:
    if data.lstrip()[:5] == b"%PDF-":
        return "pdf"
    media = (content_type or "").split(";", 1)[0].strip().lower()
    suffix = (suffix or "").lower()
    if suffix and not suffix.startswith("."):
        suffix = "." + suffix
    if suffix in _KIND_BY_SUFFIX:
        return _KIND_BY_SUFFIX[suffix]
    if media in _KIND_BY_TYPE:
        return _KIND_BY_TYPE[media]
    if suffix or media:
        raise LoadError(
            source, f"unsupported file type '{suffix or media}'; Dossier loads "
            f"{', '.join(sorted(SUPPORTED_SUFFIXES))} - convert it to one of these first"
        )
    head = data[:2048].lstrip().lower()
    markers = (b"<!doctype html", b"<html", b"<?xml", b"<document>", b"<head", b"<body")
    return "html" if head.startswith(markers) else "text"


def _charset(content_type: str | None) -> str | None:
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def _empty(source: str) -> LoadError:
    return LoadError(source, "is empty (0 bytes); re-export or re-download it")
