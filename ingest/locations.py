"""Where a source lives: an http(s) URL, or else a file path. The one test for which it is."""

from __future__ import annotations

__all__ = ["is_url"]


def is_url(source: str) -> bool:
    """True for an http:// or https:// address (any case), False for a file path."""
    return source.lower().startswith(("http://", "https://"))
