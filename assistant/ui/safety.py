"""Safe defaults for the chat: login parsing, upload names and types."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from assistant.errors import DossierError
from ingest.loaders import SUPPORTED_SUFFIXES

UPLOAD_SUFFIXES: tuple[str, ...] = tuple(sorted(SUPPORTED_SUFFIXES))
_UNSAFE = re.compile(r"[^\w.\- ]+")


class AuthError(DossierError, ValueError):
    """DOSSIER_AUTH is malformed. The message never contains a password."""


def sanitize_filename(name: str, max_length: int = 120) -> str:
    """A plain file name safe to write inside the uploads folder: the last path component only
    (either slash), no leading dots, only letters and digits (any script), '.', '_', '-' and
    spaces, at most `max_length` characters."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name or ""))[-1]
    base = _UNSAFE.sub("_", base).strip(" ._")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = suffix[:16]
    stem = stem[: max(1, max_length - len(suffix) - 1)].strip(" ._") or "upload"
    return f"{stem}.{suffix}" if suffix else stem


def check_upload(name: str, size: int, max_bytes: int) -> str | None:
    """Why an upload is refused, or None when it is accepted."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return f"{name}: {suffix or 'no extension'} is not supported (use {', '.join(UPLOAD_SUFFIXES)})"
    if size > max_bytes:
        return f"{name}: {size / 2**20:.1f} MB is over the {max_bytes / 2**20:.0f} MB upload limit"
    return None


def parse_auth(value: str | None) -> list[tuple[str, str]] | None:
    """DOSSIER_AUTH: 'user:password', or the path of a file with one 'user:password' a line
    (blank lines and lines starting with '#' ignored). None or empty: no login."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    path = Path(value).expanduser()
    if ":" not in value or path.is_file():
        if not path.is_file():
            raise AuthError("DOSSIER_AUTH is neither 'user:password' nor the path of a file")
        lines = path.read_text(encoding="utf-8").splitlines()
        pairs = []
        for number, line in enumerate(lines, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            pairs.append(_pair(line, f"{path}, line {number}"))
        if not pairs:
            raise AuthError(f"{path} holds no 'user:password' lines")
        return pairs
    return [_pair(value, "DOSSIER_AUTH")]


def _pair(text: str, where: str) -> tuple[str, str]:
    user, _, password = text.partition(":")
    user = user.strip()
    if not user or not password:
        raise AuthError(f"{where}: expected 'user:password' with both parts non-empty")
    return user, password
