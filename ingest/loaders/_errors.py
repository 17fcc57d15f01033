"""The loaders' errors that say why a source gave no text, and what to do about it."""

from __future__ import annotations

import re

from ingest.documents import LoadError


def no_text_error(source: str, what: str) -> LoadError:
    return LoadError(source, f"contains no text ({what}); check that it is the document you meant")


HTML_PARSER_MAX_DEPTH = 255  # libxml2's HTML parser gives up on a page nested deeper than this
_TAG = re.compile(r"<(/?)([A-Za-z][\w:.-]*)[^>]*?(/?)>")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
         "source", "track", "wbr"}


def nesting_depth(html: str, stop_at: int = 100_000) -> int:
    """How deeply the page's elements nest, counted from its tags (void and self-closed tags
    do not nest)."""
    depth = deepest = 0
    for match in _TAG.finditer(html):
        closing, name, self_closed = match.groups()
        if closing:
            depth = max(0, depth - 1)
        elif not self_closed and name.lower() not in _VOID:
            depth += 1
            deepest = max(deepest, depth)
            if deepest >= stop_at:
                break
    return deepest


def no_html_text_error(html: str, source: str) -> LoadError:
    """Why a page gave no text: nested too deeply for the parser, or really empty."""
    depth = nesting_depth(html)
    if depth > HTML_PARSER_MAX_DEPTH:
        return LoadError(
            source, f"is nested {depth:,} elements deep, deeper than the HTML parser reads "
            f"({HTML_PARSER_MAX_DEPTH}), so no text could be read; save the page as text or PDF "
            "(e.g. print it from a browser) and load that",
        )
    return no_text_error(source, "the page has no visible text")
