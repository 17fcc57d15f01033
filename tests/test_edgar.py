"""EDGAR downloads against a local stand-in for www.sec.gov / data.sec.gov on 127.0.0.1.

The server serves tests/fixtures/edgar/ (company_tickers.json and submissions JSON in EDGAR's
formats) and the real Buckle 8-K as its filing document; nothing touches the network.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant import Assistant
from assistant import cli as cli_module
from assistant.cli import common as cli_common
from ingest.sources.edgar import (
    EdgarClient,
    EdgarError,
    RateLimiter,
    parse_forms,
    parse_since,
    parse_target,
)
from tests.conftest import FIXTURES, CountingEmbedder, StartServer
from tests.helpers import QuietHandler

IDENTITY = "Dossier Tests tests@example.com"
ARCHIVE = "/Archives/edgar/data/885245/000088524524000046/bke-20241122.htm"
ROUTES = {
    "/files/company_tickers.json": FIXTURES / "edgar" / "company_tickers.json",
    "/submissions/CIK0000885245.json": FIXTURES / "edgar" / "CIK0000885245.json",
    "/submissions/CIK0000885245-submissions-001.json":
        FIXTURES / "edgar" / "CIK0000885245-submissions-001.json",
    ARCHIVE: FIXTURES / "BKE_8-K_2024-11-22.html",
}


@dataclass
class FakeEdgar:
    url: str
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, User-Agent)
    fail: dict[str, list[int]] = field(default_factory=dict)  # path -> statuses to answer first

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


@pytest.fixture
def edgar(http_server: StartServer) -> FakeEdgar:
    state = FakeEdgar(url="")

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            state.requests.append((self.path, self.headers.get("User-Agent", "")))
            pending = state.fail.get(self.path)
            if pending:
                self.send_error(pending.pop(0))
                return
            file = ROUTES.get(self.path)
            if file is None:
                self.send_error(404)
                return
            self.reply(200, file.read_bytes(),
                       "application/json" if file.suffix == ".json" else "text/html")

    state.url = http_server(Handler).url
    return state


def client(edgar: FakeEdgar, cache: Path, **kwargs: object) -> EdgarClient:
    return EdgarClient(IDENTITY, cache, base_url=edgar.url, data_url=edgar.url, max_rps=10,
                       backoff_s=0.01, **kwargs)  # type: ignore[arg-type]


def edgar_assistant(home: Path, embedder: CountingEmbedder, edgar: FakeEdgar,
                    identity: str | None = IDENTITY) -> Assistant:
    return Assistant(home=home, embedder=embedder,
                     edgar={"identity": identity, "base_url": edgar.url, "data_url": edgar.url,
                            "max_rps": 10})


# --- inputs -----------------------------------------------------------------------------------


def test_parse_inputs() -> None:
    assert parse_target("edgar:bke") == "BKE" and parse_target("EDGAR:320193") == "320193"
    assert parse_target("edgar:BRK.B") == "BRK.B"
    with pytest.raises(EdgarError, match="edgar:TICKER"):
        parse_target("edgar:not a ticker")
    assert parse_forms("10-k, 8-K,,10-K") == ("10-K", "8-K")
    assert parse_forms(None) == ("10-K", "10-Q")
    assert parse_since("2022") == date(2022, 1, 1)
    assert parse_since("2022-06-30") == date(2022, 6, 30)
    with pytest.raises(EdgarError, match="give a year"):
        parse_since("last year")


def test_identity_is_required(tmp_path: Path) -> None:
    with pytest.raises(EdgarError, match="set DOSSIER_SEC_IDENTITY="):
        EdgarClient(None, tmp_path)
    with pytest.raises(EdgarError, match="a name and an email"):
        EdgarClient("dossier", tmp_path)


# --- the client -------------------------------------------------------------------------------


def test_filings_by_form_and_date(edgar: FakeEdgar, tmp_path: Path) -> None:
    with client(edgar, tmp_path) as c:
        recent = c.filings("BKE", ["8-K"], date(2024, 1, 1))
        assert [(f.form, f.filed, f.accession) for f in recent] == [
            ("8-K", "2024-11-22", "0000885245-24-000046"),
            ("8-K", "2024-08-23", "0000885245-24-000031"),
        ]
        assert recent[0].company == "BUCKLE INC" and recent[0].cik == "0000885245"
        assert recent[0].ticker == "BKE" and recent[0].report_date == "2024-11-22"
        assert not any("submissions-001" in p for p in edgar.paths())  # older page not needed

        annual = c.filings("885245", ["10-K"])  # by CIK; no date: the older page is read too
        assert [f.filed for f in annual] == ["2015-03-20", "1998-04-24"]
        assert annual[0].archive_path.endswith("/000088524515000007/bke-20150131x10k.htm")
        # a 1998 filing has no primary document: its full submission text is used
        assert annual[1].archive_path == "Archives/edgar/data/885245/0000885245-98-000004.txt"
    assert {agent for _, agent in edgar.requests} == {IDENTITY}


def test_ticker_list_is_cached_and_unknown_tickers_explained(edgar: FakeEdgar, tmp_path: Path) -> None:
    with client(edgar, tmp_path) as c:
        assert c.resolve_cik("bke") == "0000885245"
    with client(edgar, tmp_path) as c:
        assert c.resolve_cik("AAPL") == "0000320193"
        with pytest.raises(EdgarError, match="no company with ticker ZZZZ on EDGAR"):
            c.resolve_cik("ZZZZ")
    assert edgar.paths().count("/files/company_tickers.json") == 1


def test_transient_errors_are_retried(edgar: FakeEdgar, tmp_path: Path) -> None:
    edgar.fail["/submissions/CIK0000885245.json"] = [503, 429]
    with client(edgar, tmp_path) as c:
        assert c.filings("885245", ["8-K"], date(2024, 1, 1))
    assert edgar.paths().count("/submissions/CIK0000885245.json") == 3


def test_refusals_say_what_to_do(edgar: FakeEdgar, tmp_path: Path) -> None:
    edgar.fail["/submissions/CIK0000885245.json"] = [403]
    with client(edgar, tmp_path) as c, pytest.raises(EdgarError, match="DOSSIER_SEC_IDENTITY"):
        c.filings("885245")
    edgar.fail["/submissions/CIK0000885245.json"] = [503] * 4
    with client(edgar, tmp_path) as c, pytest.raises(EdgarError, match="kept answering HTTP 503"):
        c.filings("885245")


def test_rate_limit_never_exceeds_sec_rule() -> None:
    limiter = RateLimiter(50)  # asked for more than SEC allows: held to 10 a second
    assert limiter.interval == pytest.approx(0.1)
    started = time.monotonic()
    for _ in range(6):
        limiter.wait()
    assert time.monotonic() - started >= 0.5 - 0.02


# --- through the pipeline and the CLI ---------------------------------------------------------


def test_ingest_edgar_downloads_caches_and_keeps_filing_meta(
    edgar: FakeEdgar, tmp_path: Path, embedder: CountingEmbedder
) -> None:
    with edgar_assistant(tmp_path / "home", embedder, edgar) as a:
        report = a.ingest(["edgar:BKE"], forms="8-K", since="2024-08-01", progress=False)
        # the August 8-K's document is not on the server: reported, the other one stored
        assert len(report.added) == 1 and report.added[0].endswith("bke-20241122.htm")
        (failed, reason), = report.failed
        assert failed == "edgar:BKE 8-K filed 2024-08-23" and "HTTP 404" in reason
        (record,) = a.documents()
        meta = record.meta
        assert (meta.form, meta.filed, meta.cik, meta.ticker) == ("8-K", "2024-11-22", "0000885245", "BKE")
        assert meta.accession == "0000885245-24-000046"
        assert meta.url == edgar.url + ARCHIVE  # the SEC link, not the cache's file://
        assert meta.company == "BUCKLE, INC"  # the filing's own dei: name beats EDGAR's index name
        cached = tmp_path / "home" / "edgar" / "0000885245" / "0000885245-24-000046" / "bke-20241122.htm"
        assert cached.read_bytes() == (FIXTURES / "BKE_8-K_2024-11-22.html").read_bytes()

        before = edgar.paths().count(ARCHIVE)
        again = a.ingest(["edgar:BKE"], forms="8-K", since="2024-11-01", progress=False)
        assert again.unchanged == report.added and again.ok
        assert edgar.paths().count(ARCHIVE) == before  # served from the cache
    assert {agent for _, agent in edgar.requests} == {IDENTITY}


def test_cli_ingest_edgar(edgar: FakeEdgar, tmp_path: Path, embedder: CountingEmbedder,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.setattr(cli_common, "open_assistant",
                        lambda: edgar_assistant(tmp_path / "home", embedder, edgar))
    result = runner.invoke(cli_module.app, ["ingest", "edgar:BKE", "--forms", "8-K",
                                            "--since", "2024-11-01", "--form", "8-K/A"])
    assert result.exit_code == 0, result.output
    assert "1 added" in result.output
    with edgar_assistant(tmp_path / "home", embedder, edgar) as a:
        (record,) = a.documents()
    assert record.meta.form == "8-K/A" and record.meta.filed == "2024-11-22"  # --form wins

    monkeypatch.setattr(cli_common, "open_assistant",
                        lambda: edgar_assistant(tmp_path / "home2", embedder, edgar, identity=None))
    requests = len(edgar.requests)
    result = runner.invoke(cli_module.app, ["ingest", "edgar:BKE"])
    assert result.exit_code == 2 and "DOSSIER_SEC_IDENTITY" in result.output
    assert len(edgar.requests) == requests  # nothing was sent without an identity
