"""RSS/Atom feeds and URL lists: inputs that expand into the article URLs they name.

    expand_sources(sources, registry=...)  feeds and URL lists -> their item URLs, minus those
                                           already stored (as documents or as duplicates)

A feed is an http(s) URL whose response is RSS/Atom (by Content-Type or by its first bytes), or a
local .rss/.atom/.xml file that parses as one (feedparser). A URL list is a `.urls` file, or a
.txt file whose every non-blank line not starting with '#' is an http(s) URL. A URL given directly
is requested once here to tell a feed from a page (a page's body is not read; a failed request
leaves the URL to the page loader, which reports why); URLs from feeds and lists are not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import feedparser
import httpx

from ingest.dates import iso_date
from ingest.dedup import known_source
from ingest.documents import LoadError
from ingest.loaders.urls import USER_AGENT
from ingest.locations import is_url
from ingest.registry import Registry

log = logging.getLogger(__name__)

FEED_SUFFIXES = (".rss", ".atom", ".xml")
LIST_SUFFIXES = (".urls",)
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml",
               "application/xml", "text/xml", "application/feed+json")
_FEED_HEADS = (b"<rss", b"<feed", b"<rdf:rdf", b"<?xml")
_MAX_LIST_BYTES = 5 * 2**20
_NOT_FEEDS = ("text/html", "application/xhtml+xml", "application/pdf", "text/plain", "text/markdown")


@dataclass
class FeedItem:
    url: str
    title: str = ""
    published: str | None = None


@dataclass
class Expansion:
    sources: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already stored
    failed: list[tuple[str, str]] = field(default_factory=list)
    item_meta: dict[str, dict[str, str]] = field(default_factory=dict)  # url -> title, published


Fetch = Callable[[str], tuple[bytes, str | None]]


def expand_sources(
    sources: Sequence[str], *, registry: Registry | None = None, timeout: float = 20.0,
    max_bytes: int = 20 * 2**20, fetch: Fetch | None = None,
) -> Expansion:
    """Replace feeds and URL lists by their item URLs (in order, each once). Items the registry
    already holds are listed in `skipped`, not in `sources`; sources given directly are kept
    (re-ingesting a file or page refreshes it)."""
    fetch = fetch or (lambda url: fetch_url(url, timeout=timeout, max_bytes=max_bytes))
    out = Expansion()
    seen: set[str] = set()

    def add(source: str, *, from_list: bool) -> None:
        if source in seen:
            return
        seen.add(source)
        if from_list and registry is not None and known_source(registry, source):
            out.skipped.append(source)
        else:
            out.sources.append(source)

    for source in sources:
        try:
            items = _items(source, fetch)
        except LoadError as exc:
            out.failed.append((source, exc.reason))
            continue
        if items is None:
            add(source, from_list=False)
            continue
        if not items:
            log.warning("%s lists no article URLs", source)
        for item in items:
            meta = {k: v for k, v in (("title", item.title), ("published", item.published)) if v}
            if meta:
                out.item_meta.setdefault(item.url, meta)
            add(item.url, from_list=True)
    return out


def _items(source: str, fetch: Fetch) -> list[FeedItem] | None:
    """The items of a feed or URL list; None when `source` is neither."""
    if is_url(source):
        try:
            data, content_type = fetch(source)
        except LoadError:
            return None  # not readable as a feed: the page loader fetches it and says why
        return parse_feed(data, source) if looks_like_feed(data, content_type) else None
    path = Path(source)
    suffix = path.suffix.lower()
    if not path.is_file() or suffix not in (*FEED_SUFFIXES, *LIST_SUFFIXES, ".txt"):
        return None
    if path.stat().st_size > _MAX_LIST_BYTES:
        return None if suffix == ".txt" else _too_big(source)
    data = path.read_bytes()
    if suffix in FEED_SUFFIXES:
        return parse_feed(data, source) if looks_like_feed(data, None) else None
    urls = url_list(data.decode("utf-8-sig", errors="replace"))
    if suffix in LIST_SUFFIXES:
        if urls is None:
            raise LoadError(source, "is a .urls file but not every line is an http(s) URL; put one "
                            "URL a line ('#' starts a comment)")
        return [FeedItem(u) for u in urls]
    return [FeedItem(u) for u in urls] if urls else None


def url_list(text: str) -> list[str] | None:
    """The URLs of a text holding one http(s) URL a line ('#' comments and blank lines allowed);
    None if any other line is there."""
    urls = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not is_url(line) or any(c.isspace() for c in line):
            return None
        urls.append(line)
    return urls


def looks_like_feed(data: bytes, content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in _NOT_FEEDS:
        return False
    head = data[:1024].lstrip().lower()
    if not head.startswith(_FEED_HEADS) and media not in _FEED_TYPES:
        return False
    sniff = data[:4096].lower()
    return b"<rss" in sniff or b"<feed" in sniff or b"<rdf:rdf" in sniff


def parse_feed(data: bytes, source: str) -> list[FeedItem]:
    """The entries of an RSS/Atom feed that link to an http(s) page."""
    parsed = feedparser.parse(data)
    if parsed.get("bozo") and not parsed.entries:
        raise LoadError(source, f"is not a readable RSS/Atom feed ({parsed.get('bozo_exception')}); "
                        "check the feed address")
    items = []
    for entry in parsed.entries:
        link = entry.get("link") or ""
        if not is_url(link):
            links = [x.get("href", "") for x in entry.get("links", [])]
            link = next((h for h in links if is_url(h)), "")
        if link:
            date = entry.get("published") or entry.get("updated") or ""
            items.append(FeedItem(link, " ".join(str(entry.get("title", "")).split()), _date(date)))
    return items


def _date(value: str) -> str | None:
    """The feed's date as written (RFC 822 or ISO), calendar day only, no time-zone shift."""
    if not value:
        return None
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return iso_date(value)


def fetch_url(url: str, *, timeout: float, max_bytes: int) -> tuple[bytes, str | None]:
    """GET with the loader's user agent, redirects, timeout and size cap. A response whose
    Content-Type says page or PDF is not read (empty bytes): it is no feed."""
    headers = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, "
               "application/xml;q=0.9, text/html;q=0.8, */*;q=0.5"}
    try:
        with httpx.Client(follow_redirects=True, timeout=httpx.Timeout(timeout), headers=headers,
                          max_redirects=5) as client, client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise LoadError(url, f"{response.status_code} {response.reason_phrase} (HTTP error); "
                                "check the URL")
            content_type = response.headers.get("content-type")
            if (content_type or "").split(";", 1)[0].strip().lower() in _NOT_FEEDS:
                return b"", content_type
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise LoadError(url, f"is larger than the {max_bytes} byte cap; raise max_bytes")
                chunks.append(chunk)
            return b"".join(chunks), content_type
    except httpx.HTTPError as exc:
        raise LoadError(url, f"download failed ({type(exc).__name__}: {exc}); check the URL "
                        "and your network") from None


def _too_big(source: str) -> list[FeedItem]:
    raise LoadError(source, f"is over {_MAX_LIST_BYTES // 2**20} MB; split the URL list")

