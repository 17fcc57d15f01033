"""An article's own reference list ("Source: [1] Title, [https://…] [2] …") and the [n] markers
in its text that point to it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.documents import ArticleSource

_MARKER = re.compile(r"\[(\d{1,3})\]")
_LABEL = re.compile(r"(?:\*\*|__)?\s*\b(?:Sources?|References?|Citations?)\s*(?:\*\*|__)?\s*:?\s*(?:\*\*|__)?"
                    r"\s*(?=\[1\])", re.I)
_ENTRY = re.compile(r"\[(\d{1,3})\]\s*(?!\()")  # "[2] Title"; not "[2](http…)" Markdown links
_URL = re.compile(r"<?(https?://[^\s\]<>)\"']+)>?")
_GLUED_TICKER = re.compile(r"([a-z])[A-Z]{1,5}--")  # "Alibaba GroupBABA--": a site's ticker tag
_LINE_ENTRY = re.compile(r"^\s*\[(\d{1,3})\]\s*(.*?https?://\S+.*)$", re.M)


def parse_references(text: str) -> list[ArticleSource]:
    """The numbered sources of an article: after a "Source(s):"/"References:" label whose list
    starts at [1] (entries may share one line), or else lines that each start with "[n]" and hold
    a URL. Empty when the text has neither."""
    labels = list(_LABEL.finditer(text))
    label = labels[-1] if labels else None  # the last one: a reference list closes an article
    if label is not None:
        first, *rest = text[label.end() :].split("\n")
        lines = [first]
        for line in rest:  # one entry a line, or all on the label's line
            if not _ENTRY.match(line.strip()):
                break
            lines.append(line)
        return _entries("\n".join(lines))
    return _dedupe([_source(int(m.group(1)), m.group(2)) for m in _LINE_ENTRY.finditer(text)])


def _entries(block: str) -> list[ArticleSource]:
    marks = list(_ENTRY.finditer(block))
    out = []
    for m, nxt in zip(marks, [*marks[1:], None], strict=True):
        out.append(_source(int(m.group(1)), block[m.end() : nxt.start() if nxt else len(block)]))
    return _dedupe(out)


def _source(n: int, body: str) -> ArticleSource:
    url = _URL.search(body)
    title = body[: url.start()] if url else body
    title = _GLUED_TICKER.sub(r"\1", title.strip().strip("[(").strip().rstrip(",;:-–—([ \n"))
    title = title.strip().strip("*_").strip()
    return ArticleSource(n=n, title=title, url=url.group(1).rstrip(".,;") if url else None)


def _dedupe(items: list[ArticleSource]) -> list[ArticleSource]:
    seen: dict[int, ArticleSource] = {}
    for item in items:
        if item.title or item.url:
            seen.setdefault(item.n, item)
    return sorted(seen.values(), key=lambda s: s.n)


def markers(text: str) -> list[int]:
    """The [n] markers in a passage, in order, each once."""
    return list(dict.fromkeys(int(m.group(1)) for m in _MARKER.finditer(text)))


def sources_for(quote: str, references: Sequence[ArticleSource]) -> list[ArticleSource]:
    """The reference-list entries the markers in `quote` point to (unknown numbers skipped)."""
    by_n = {r.n: r for r in references}
    return [by_n[n] for n in markers(quote) if n in by_n]


def cited_sources(quote: str, document_text: str) -> list[ArticleSource]:
    """What a quote from an article cites: its [n] markers resolved against the reference list in
    the article's full text (empty when the quote has no markers or the article no list)."""
    return sources_for(quote, parse_references(document_text)) if markers(quote) else []
