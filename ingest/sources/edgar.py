"""SEC filings from EDGAR, downloaded into a local cache for the normal ingest pipeline.

    edgar:AAPL  /  edgar:320193      a company by ticker or CIK
    EdgarClient                      EDGAR's documented JSON endpoints over httpx:
        company_tickers.json             ticker -> CIK          (base_url, www.sec.gov)
        submissions/CIK##########.json   the company's filings  (data_url, data.sec.gov)
        Archives/edgar/data/...          each filing's primary document (base_url)
    download_filings(...)            edgar: inputs -> cached local files + their filing metadata

SEC's fair-access rules are kept: every request names the user (User-Agent "Name email"), at
most 10 requests a second, transient failures (429, 5xx, timeouts) retried with backoff. A
filing's documents never change, so a cached file is never fetched again.
"""

from __future__ import annotations

import json
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

import httpx
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from ingest.errors import DossierError
from ingest.loaders import SUPPORTED_SUFFIXES

PREFIX = "edgar:"
DEFAULT_FORMS = ("10-K", "10-Q")
SEC_MAX_RPS = 10.0  # https://www.sec.gov/os/accessing-edgar-data
_TRANSIENT = frozenset({429, 500, 502, 503, 504})
_TICKERS_MAX_AGE_S = 24 * 3600
_IDENTITY = re.compile(r"\S.*\s\S+@\S+\.\S+")


class EdgarError(DossierError):
    """EDGAR cannot be used as asked; the message says what to do."""


def is_edgar(source: str) -> bool:
    return str(source).lower().startswith(PREFIX)


def parse_target(source: str) -> str:
    """'edgar:aapl' -> 'AAPL'; 'edgar:0000320193' -> '0000320193'."""
    target = str(source)[len(PREFIX):].strip().upper()
    if not re.fullmatch(r"\d{1,10}|[A-Z][A-Z0-9.\-]{0,9}", target):
        raise EdgarError(
            "not a ticker or CIK; write edgar:TICKER (edgar:AAPL) or edgar:CIK (edgar:320193)"
        )
    return target


def parse_forms(forms: str | Sequence[str] | None) -> tuple[str, ...]:
    """'10-K,10-q' -> ('10-K', '10-Q'); None -> the default 10-K and 10-Q."""
    items = forms.split(",") if isinstance(forms, str) else list(forms or [])
    parsed = tuple(dict.fromkeys(f.strip().upper() for f in items if f.strip()))
    return parsed or DEFAULT_FORMS


def parse_since(since: str | date | None) -> date | None:
    """'2022' -> 2022-01-01; '2022-06-30' -> that day."""
    if since is None or isinstance(since, date):
        return since
    text = since.strip()
    try:
        return date(int(text), 1, 1) if re.fullmatch(r"\d{4}", text) else date.fromisoformat(text)
    except ValueError:
        raise EdgarError(f"--since {since!r}: give a year (2022) or a date (2022-06-30)") from None


def check_identity(identity: str | None) -> str:
    """SEC asks every automated client to declare who it is: 'Name email@example.com'."""
    identity = (identity or "").strip()
    if not identity:
        raise EdgarError(
            "EDGAR downloads need your identity for SEC's User-Agent rule: set "
            "DOSSIER_SEC_IDENTITY=\"Your Name you@example.com\" (in the environment or .env)"
        )
    if not _IDENTITY.fullmatch(identity):
        raise EdgarError(
            "DOSSIER_SEC_IDENTITY must be a name and an email address, e.g. "
            "\"Jane Doe jane@example.com\" (SEC refuses requests without a contact email)"
        )
    return identity


@dataclass(frozen=True)
class Filing:
    cik: str  # 10 digits
    company: str
    ticker: str | None
    form: str
    filed: str  # YYYY-MM-DD
    report_date: str | None
    accession: str  # 0000885245-24-000046
    primary_document: str  # '' for old filings: then the full submission .txt

    @property
    def archive_path(self) -> str:
        folder = f"Archives/edgar/data/{int(self.cik)}/{self.accession.replace('-', '')}"
        return f"{folder}/{self.primary_document}" if self.primary_document else (
            f"Archives/edgar/data/{int(self.cik)}/{self.accession}.txt"
        )

    @property
    def file_name(self) -> str:
        return PurePosixPath(self.archive_path).name

    def meta(self, url: str) -> dict[str, str]:
        """DocMeta fields EDGAR knows for this filing (the loader's own reading is kept)."""
        meta = {"company": self.company, "ticker": self.ticker or "", "cik": self.cik,
                "form": self.form, "filed": self.filed, "accession": self.accession, "url": url,
                "period_end": self.report_date or ""}
        return {k: v for k, v in meta.items() if v}


class RateLimiter:
    """At most `per_second` request starts a second, across threads."""

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / min(per_second, SEC_MAX_RPS)
        self._clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


class _Transient(Exception):
    def __init__(self, url: str, status: int) -> None:
        super().__init__(f"HTTP {status} from {url}")
        self.status = status


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, _Transient | httpx.TransportError)


class EdgarClient:
    """EDGAR over httpx. `base_url` serves company_tickers.json and the Archives, `data_url` the
    submissions JSON; both point at a local server in tests."""

    def __init__(
        self,
        identity: str | None,
        cache_dir: Path,
        *,
        base_url: str = "https://www.sec.gov",
        data_url: str = "https://data.sec.gov",
        max_rps: float = 8.0,
        timeout: float = 20.0,
        max_bytes: int = 200 * 2**20,
        attempts: int = 4,
        backoff_s: float = 1.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.identity = check_identity(identity)
        self.cache_dir = Path(cache_dir)
        self.base_url = base_url.rstrip("/")
        self.data_url = data_url.rstrip("/")
        self.max_bytes = max_bytes
        self.limiter = RateLimiter(max_rps)
        self._attempts = attempts
        self._backoff_s = backoff_s
        self._http = httpx.Client(
            headers={"User-Agent": self.identity, "Accept-Encoding": "gzip, deflate"},
            timeout=timeout, follow_redirects=True, transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EdgarClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # requests ----------------------------------------------------------------------------------
    def _retrying(self) -> Retrying:
        return Retrying(
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential(multiplier=self._backoff_s, max=30),
            retry=retry_if_exception(_retryable),
            reraise=True,
        )

    def _get_json(self, url: str, what: str) -> Any:
        response = self._request(url, what)
        try:
            return response.json()
        except ValueError:
            raise EdgarError(f"{url}: EDGAR answered with something that is not JSON ({what})") from None

    def _request(self, url: str, what: str) -> httpx.Response:
        try:
            for attempt in self._retrying():
                with attempt:
                    self.limiter.wait()
                    response = self._http.get(url)
                    if response.status_code in _TRANSIENT:
                        raise _Transient(url, response.status_code)
        except _Transient as exc:
            raise EdgarError(f"{url}: EDGAR kept answering HTTP {exc.status} ({what}); try again "
                             "later") from None
        except httpx.TransportError as exc:
            raise EdgarError(f"{url}: cannot reach EDGAR ({type(exc).__name__}: {exc}); check the "
                             "network or DOSSIER_EDGAR_BASE_URL / DOSSIER_EDGAR_DATA_URL") from None
        self._check(response, what)
        return response

    def _check(self, response: httpx.Response, what: str) -> None:
        url, status = str(response.url), response.status_code
        if status == 403:
            raise EdgarError(f"{url}: SEC refused the request (HTTP 403); make sure "
                             "DOSSIER_SEC_IDENTITY is your real name and email, and that no other "
                             "program of yours is over 10 requests a second")
        if status == 404:
            raise EdgarError(f"{url}: not found on EDGAR (HTTP 404): no {what}")
        if status >= 400:
            raise EdgarError(f"{url}: EDGAR answered HTTP {status} ({what})")

    # the company and its filings ---------------------------------------------------------------
    def resolve_cik(self, target: str) -> str:
        """A ticker or CIK -> the 10-digit CIK."""
        if target.isdigit():
            return target.zfill(10)
        symbol = target.upper().replace(".", "-")  # EDGAR writes BRK-B
        for row in self._tickers().values():
            if str(row.get("ticker", "")).upper() == symbol:
                return str(row["cik_str"]).zfill(10)
        raise EdgarError(f"no company with ticker {target} on EDGAR (company_tickers.json); check "
                         f"the symbol, or use the company's CIK: {PREFIX}320193")

    def _tickers(self) -> dict[str, dict[str, Any]]:
        """company_tickers.json, cached for a day."""
        path = self.cache_dir / "company_tickers.json"
        if path.exists() and time.time() - path.stat().st_mtime < _TICKERS_MAX_AGE_S:
            try:
                cached: dict[str, dict[str, Any]] = json.loads(path.read_text("utf-8"))
                return cached
            except ValueError:
                pass  # a damaged cache: fetch again
        data = self._get_json(f"{self.base_url}/files/company_tickers.json", "ticker list")
        _write_atomic(path, json.dumps(data).encode())
        return dict(data)

    def filings(self, target: str, forms: Sequence[str] = DEFAULT_FORMS,
                since: date | None = None) -> list[Filing]:
        """The company's filings of these forms filed on or after `since`, newest first."""
        cik = self.resolve_cik(target)
        url = f"{self.data_url}/submissions/CIK{cik}.json"
        data = self._get_json(url, f"EDGAR company with CIK {cik}")
        company = str(data.get("name") or "")
        tickers = [str(t) for t in data.get("tickers") or []]
        ticker = target if target in tickers else (tickers[0] if tickers else None)
        tables = [data.get("filings", {}).get("recent", {})]
        for page in data.get("filings", {}).get("files", []):
            if since is None or str(page.get("filingTo", "9999")) >= since.isoformat():
                tables.append(self._get_json(f"{self.data_url}/submissions/{page['name']}",
                                             "older filings page"))
        wanted = {f.upper() for f in forms}
        found = [
            Filing(cik=cik, company=company, ticker=ticker, form=row["form"], filed=row["filingDate"],
                   report_date=row.get("reportDate") or None, accession=row["accessionNumber"],
                   primary_document=row.get("primaryDocument") or "")
            for row in _rows(tables)
            if str(row.get("form") or "").upper() in wanted
            and (since is None or str(row.get("filingDate") or "") >= since.isoformat())
        ]
        return sorted(found, key=lambda f: (f.filed, f.accession), reverse=True)

    # documents ---------------------------------------------------------------------------------
    def url_of(self, filing: Filing) -> str:
        return f"{self.base_url}/{filing.archive_path}"

    def cached_path(self, filing: Filing) -> Path:
        return self.cache_dir / filing.cik / filing.accession / filing.file_name

    def fetch(self, filing: Filing) -> Path:
        """The filing's primary document in the cache, downloaded once."""
        path = self.cached_path(filing)
        if path.exists() and path.stat().st_size > 0:
            return path
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            raise EdgarError(f"{self.url_of(filing)}: the {filing.form}'s primary document is "
                             f"{suffix or 'without a suffix'}, which Dossier does not load")
        response = self._request(self.url_of(filing), f"{filing.form} document")
        if len(response.content) > self.max_bytes:
            raise EdgarError(f"{self.url_of(filing)}: larger than the size cap "
                             f"({self.max_bytes} bytes, DOSSIER_MAX_FILE_MB)")
        _write_atomic(path, response.content)
        return path


def _rows(tables: Iterable[dict[str, list[Any]]]) -> Iterable[dict[str, Any]]:
    """EDGAR's column-wise filing tables as one dict per filing."""
    for table in tables:
        columns = {k: v for k, v in table.items() if isinstance(v, list)}
        for i in range(len(columns.get("accessionNumber", []))):
            yield {k: v[i] if i < len(v) else None for k, v in columns.items()}


def _write_atomic(path: Path, data: bytes) -> None:
    """Readers (another ingest, a crash) see the whole file or none of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as part:
        part.write(data)
    Path(part.name).replace(path)


@dataclass
class Downloaded:
    """edgar: inputs resolved: local files with the metadata EDGAR gave, and what failed."""

    files: dict[str, dict[str, str]] = field(default_factory=dict)  # absolute path -> meta
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)


def download_filings(
    sources: Sequence[str],
    client: EdgarClient,
    *,
    forms: str | Sequence[str] | None = None,
    since: str | date | None = None,
    progress: bool = True,
) -> Downloaded:
    """Download the filings each edgar: source names (cached files are reused). A source or a
    filing that fails is recorded in `failed`; the rest still download."""
    wanted, start = parse_forms(forms), parse_since(since)
    result = Downloaded()
    todo: list[Filing] = []
    for source in sources:
        try:
            found = client.filings(parse_target(source), wanted, start)
        except EdgarError as exc:
            result.failed.append((source, str(exc)))
            continue
        if not found:
            result.failed.append((source, f"no {'/'.join(wanted)} filings on EDGAR"
                                  + (f" since {start.isoformat()}" if start else "")))
        todo.extend(found)
    with _progress_bar(progress) as bar:
        task = bar.add_task("EDGAR", total=len(todo))
        for filing in todo:
            bar.update(task, description=f"EDGAR {filing.ticker or filing.cik} {filing.form} "
                       f"{filing.filed}")
            try:
                path = client.fetch(filing)
                result.files[str(path.resolve())] = filing.meta(client.url_of(filing))
            except EdgarError as exc:
                result.failed.append((f"{PREFIX}{filing.ticker or filing.cik} {filing.form} filed "
                                      f"{filing.filed}", str(exc)))
            bar.advance(task)
    return result


def _progress_bar(enabled: bool) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), disable=not enabled, transient=False)
