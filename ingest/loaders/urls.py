"""Download a web source with httpx: timeouts, at most 5 redirects, a size cap, type checks."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from ingest.documents import LoadError

from ._common import human_size

USER_AGENT = "Dossier/0.1 (research assistant; +https://github.com/)"
MAX_REDIRECTS = 5
# media type -> the suffix its bytes are loaded as
CONTENT_TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".xhtml",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "text/x-markdown": ".md",
    "application/pdf": ".pdf",
}
_MAYBE = {"", "application/octet-stream", "binary/octet-stream", "application/x-download"}


@dataclass
class Fetched:
    data: bytes
    content_type: str | None  # the full Content-Type header, charset included
    suffix: str
    final_url: str


def fetch(url: str, *, max_bytes: int, timeout: float) -> Fetched:
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "text/html,application/xhtml+xml,application/pdf,text/plain;q=0.9,*/*;q=0.5",
    }
    try:
        with (
            httpx.Client(
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                timeout=httpx.Timeout(timeout),
                headers=headers,
            ) as client,
            client.stream("GET", url) as response,
        ):
            _check_status(url, response)
            header = response.headers.get("content-type")
            suffix = _suffix_for(url, header)
            data = _read_capped(url, response, max_bytes, deadline=time.monotonic() + 10 * timeout)
            final_url = str(response.url)
    except httpx.TimeoutException:
        raise LoadError(
            url, f"timed out (timeout {timeout:g} s per step, {10 * timeout:g} s in all); "
            "try again later or allow a longer timeout"
        ) from None
    except httpx.TooManyRedirects:
        raise LoadError(
            url, f"redirected more than {MAX_REDIRECTS} times; open it in a browser to find the "
            "final address and load that"
        ) from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise LoadError(url, f"is not a valid http(s) URL ({exc}); check it") from None
    except httpx.ConnectError as exc:
        raise LoadError(
            url, f"cannot connect to the server ({exc}); check the URL and your network"
        ) from None
    except httpx.HTTPError as exc:
        raise LoadError(
            url, f"download failed ({type(exc).__name__}: {exc}); try again later"
        ) from None
    return Fetched(data=data, content_type=header, suffix=_sniffed(url, suffix, data),
                   final_url=final_url)


def _check_status(url: str, response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    if status in (401, 403):
        advice = "the server refused access (login, paywall or bot block?); " \
            "download it in a browser and load the file"
    elif status in (404, 410):
        advice = "the server has no document at this address; check the URL"
    elif status == 429 or status >= 500:
        advice = "the server is busy or failing; try again later"
    else:
        advice = "check the URL"
    raise LoadError(url, f"{status} {response.reason_phrase} (HTTP error); {advice}")


def _suffix_for(url: str, header: str | None) -> str:
    media = (header or "").split(";", 1)[0].strip().lower()
    path_suffix = _url_suffix(url)
    if path_suffix == ".pdf" and media in ("text/html", "application/xhtml+xml"):
        raise LoadError(
            url, "expected a PDF but got an HTML page (often a login, cookie or paywall page); "
            "open the link in a browser, save the PDF and load the file"
        )
    if media in CONTENT_TYPES:
        suffix = CONTENT_TYPES[media]
        # Markdown is often served as text/plain
        return path_suffix if suffix == ".txt" and path_suffix in (".md", ".markdown") else suffix
    if media in _MAYBE:
        return ""  # decided from the bytes
    raise LoadError(
        url, f"has an unsupported content type '{media}'; Dossier loads HTML, plain text, "
        "Markdown and PDF"
    )


def _sniffed(url: str, suffix: str, data: bytes) -> str:
    if suffix:
        return suffix
    if data.lstrip()[:5].startswith(b"%PDF"):
        return ".pdf"
    if _url_suffix(url) in CONTENT_TYPES.values():
        return _url_suffix(url)
    raise LoadError(
        url, "the server did not say what it sent and it is not a PDF; download it and load "
        "the file instead"
    )


def _url_suffix(url: str) -> str:
    name = urlsplit(url).path.rsplit("/", 1)[-1].lower()
    return "." + name.rsplit(".", 1)[1] if "." in name else ""


def _read_capped(url: str, response: httpx.Response, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_big(url, int(declared), max_bytes)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise _too_big(url, size, max_bytes, at_least=True)
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("download too slow", request=response.request)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_big(url: str, size: int, max_bytes: int, at_least: bool = False) -> LoadError:
    what = f"is larger than {human_size(size)}" if at_least else f"is {human_size(size)}"
    return LoadError(
        url, f"{what}, over the {human_size(max_bytes)} size cap (max_bytes); raise the cap "
        "or download and split the file"
    )
