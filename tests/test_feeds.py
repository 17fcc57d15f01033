"""RSS/Atom feeds and URL lists as ingest inputs, served by a local HTTP server on 127.0.0.1 (no
test touches the network)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from assistant import Assistant
from ingest.sources.feeds import expand_sources, looks_like_feed, parse_feed, url_list
from tests.conftest import StartServer
from tests.helpers import QuietHandler

FIXTURES = Path(__file__).parent / "fixtures"
ROUTES = {
    "/feed.rss": ("application/rss+xml; charset=utf-8", FIXTURES / "news_feed.rss"),
    "/feed.atom": ("application/atom+xml", FIXTURES / "news_feed.atom"),
    "/feed-as-xml": ("text/xml", FIXTURES / "news_feed.rss"),
    "/news/businessweek.html": ("text/html; charset=utf-8", FIXTURES / "newspaper_businessweek.com2.html"),
    "/news/foxbusiness.html": ("text/html; charset=utf-8", FIXTURES / "newspaper_foxbusiness.com1.html"),
    "/news/alibaba.txt": ("text/plain; charset=utf-8", FIXTURES / "alibaba-ai-investment-2025.txt"),
}


@dataclass
class FeedServer:
    """The local site serving ROUTES ({base} in a page is its own URL) and the paths asked."""

    base: str = ""
    hits: list[str] = field(default_factory=list)


@pytest.fixture
def server(http_server: StartServer) -> FeedServer:
    site = FeedServer()

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            site.hits.append(self.path)
            route = ROUTES.get(self.path)
            if route is None:
                self.reply(404, b"<p>missing</p>")
                return
            ctype, path = route
            self.reply(200, path.read_bytes().replace(b"{base}", site.base.encode()), ctype)

    site.base = http_server(Handler).url
    return site


def base(server: FeedServer) -> str:
    return server.base


# parsing --------------------------------------------------------------------------------------
def feed(name: str) -> bytes:
    return (FIXTURES / name).read_bytes().replace(b"{base}", b"http://example.test")


def test_rss_and_atom_items() -> None:
    rss = parse_feed(feed("news_feed.rss"), "feed.rss")
    assert [i.url for i in rss] == ["http://example.test/news/businessweek.html",
                                    "http://example.test/news/alibaba.txt"]  # the linkless item: none
    assert rss[1].title == "Alibaba's AI Investment"
    assert rss[1].published == "2025-08-20"  # the date written (-0400), not shifted to UTC
    atom = parse_feed(feed("news_feed.atom"), "feed.atom")
    assert [i.published for i in atom] == ["2014-12-22", "2014-12-16"]


def test_feed_sniffing() -> None:
    rss = feed("news_feed.rss")
    assert looks_like_feed(rss, "application/rss+xml")
    assert looks_like_feed(rss, None) and looks_like_feed(rss, "text/xml")
    assert not looks_like_feed(rss, "text/html")
    assert not looks_like_feed(b"<?xml version='1.0'?><svg></svg>", "application/xml")


def test_url_list() -> None:
    assert url_list("# my list\nhttps://a.example/1\n\n  http://b.example/2  \n") == [
        "https://a.example/1", "http://b.example/2"]
    assert url_list("https://a.example/1\nnot a url\n") is None


# expansion ------------------------------------------------------------------------------------
def test_expand_feeds_lists_and_plain_inputs(server: FeedServer, tmp_path: Path) -> None:
    b = base(server)
    listed = tmp_path / "reading.urls"
    listed.write_text(f"# to read\n{b}/news/foxbusiness.html\n{b}/news/businessweek.html\n")
    txt_list = tmp_path / "urls.txt"
    txt_list.write_text(f"{b}/news/alibaba.txt\n")
    prose = tmp_path / "notes.txt"
    prose.write_text("Just notes, https://a.example mentioned in passing.\n")
    broken = tmp_path / "broken.urls"
    broken.write_text("https://a.example/1\nthis line is not a URL\n")
    out = expand_sources([f"{b}/feed.rss", str(listed), str(txt_list), str(prose), str(broken),
                          f"{b}/news/foxbusiness.html", f"{b}/feed-as-xml"])
    assert out.sources == [
        f"{b}/news/businessweek.html", f"{b}/news/alibaba.txt", f"{b}/news/foxbusiness.html",
        str(prose),
    ]
    assert [s for s, _ in out.failed] == [str(broken)]
    assert "not every line is an http(s) URL" in out.failed[0][1]
    assert out.item_meta[f"{b}/news/alibaba.txt"] == {"title": "Alibaba's AI Investment",
                                                       "published": "2025-08-20"}


def test_unreachable_feed_is_reported_by_the_loader(server: FeedServer,
                                                    assistant: Assistant) -> None:
    gone = f"{base(server)}/gone.rss"
    out = expand_sources([gone], timeout=5)
    assert out.sources == [gone] and out.failed == []
    report = assistant.ingest([gone], progress=False)
    assert [s for s, _ in report.failed] == [gone] and "404" in report.failed[0][1]


def test_a_page_url_passes_through_after_one_request(server: FeedServer) -> None:
    page = f"{base(server)}/news/businessweek.html"
    assert expand_sources([page]).sources == [page]
    assert server.hits == ["/news/businessweek.html"]


def test_ingest_a_feed_then_skip_what_is_stored(server: FeedServer,
                                                assistant: Assistant) -> None:
    b = base(server)
    first = assistant.ingest([f"{b}/feed.rss"], progress=False)
    assert first.ok, first.failed
    assert sorted(first.added) == [f"{b}/news/alibaba.txt", f"{b}/news/businessweek.html"]
    metas = {d.source: d.meta for d in assistant.documents()}
    assert metas[f"{b}/news/alibaba.txt"].published == "2025-08-20"  # from the feed: the text has none
    assert metas[f"{b}/news/businessweek.html"].published == "2014-12-22"  # the page's own date
    assert metas[f"{b}/news/alibaba.txt"].ticker == "BABA"

    server.hits.clear()
    second = assistant.ingest([f"{b}/feed.atom"], progress=False)
    assert second.ok, second.failed
    assert second.skipped == [f"{b}/news/businessweek.html"]
    assert second.added == [f"{b}/news/foxbusiness.html"]
    assert "1 already stored" in second.summary()
    assert "/news/businessweek.html" not in server.hits


def test_dossier_ingest_takes_a_url_list_and_a_feed(server: FeedServer, tmp_path: Path) -> None:
    b = base(server)
    listed = tmp_path / "reading.urls"
    listed.write_text(f"{b}/news/businessweek.html\n")
    env = {**os.environ, "DOSSIER_HOME": str(tmp_path / "home")}
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(name, None)
    result = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", str(listed), f"{b}/feed.atom"],
                            env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "2 added, 0 unchanged, 0 replaced, 0 failed" in result.stdout  # businessweek once
