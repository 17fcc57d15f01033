"""What `Assistant.ingest` does: SEC filings named `edgar:TICKER` downloaded from EDGAR first,
then every input loaded, chunked, embedded and stored by the ingest pipeline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.api import Assistant
    from assistant.config import Settings
    from ingest.pipeline import IngestReport
    from ingest.sources.edgar import Downloaded


def ingest_inputs(assistant: Assistant, inputs: list[str], *, progress: bool,
                  wait_for_lock_s: float, forms: str | Sequence[str] | None, since: str | None,
                  meta: dict[str, str]) -> IngestReport:
    from ingest.pipeline import IngestOptions, ingest
    from ingest.sources.edgar import is_edgar

    settings = assistant.settings
    s = settings.ingest
    edgar = download_edgar(settings, [i for i in inputs if is_edgar(i)], forms, since, progress)
    options = IngestOptions(
        chunk_tokens=min(s.chunk_tokens, assistant.embedder.max_tokens),
        overlap_tokens=s.chunk_overlap_tokens,
        max_bytes=s.max_file_bytes,
        timeout=s.url_timeout_s,
        meta_overrides={k: v for k, v in meta.items() if v},
        source_meta=edgar.files,
        embedding_worker=settings.embedding.worker,
    )
    report = ingest([i for i in inputs if not is_edgar(i)] + list(edgar.files), assistant.store,
                    options, progress=progress, wait_for_lock_s=wait_for_lock_s)
    report.failed[:0] = edgar.failed
    return report


def download_edgar(settings: Settings, sources: list[str], forms: str | Sequence[str] | None,
                   since: str | None, progress: bool) -> Downloaded:
    from ingest.sources.edgar import Downloaded, EdgarClient, download_filings

    if not sources:
        return Downloaded()
    edgar, fetch = settings.edgar, settings.ingest
    with EdgarClient(edgar.identity, settings.store.home / "edgar",
                     base_url=edgar.base_url, data_url=edgar.data_url, max_rps=edgar.max_rps,
                     timeout=fetch.url_timeout_s, max_bytes=fetch.max_file_bytes) as client:
        return download_filings(sources, client, forms=forms, since=since, progress=progress)
