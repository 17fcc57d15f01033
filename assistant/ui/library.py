"""The Library tab's behaviour: uploaded files and pasted URLs ingested one at a time with a
report, a document deleted (its uploaded copy too), and the wiring of the tab's events."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.ui import render
from assistant.ui.assets import CONFIRM_DELETE
from assistant.ui.layout import LibraryTab
from assistant.ui.safety import check_upload, sanitize_filename
from assistant.ui.store_views import StoreViews
from ingest.locations import is_url
from ingest.lock import StoreBusyError

log = logging.getLogger(__name__)


class LibraryActions(StoreViews):
    def add(self, files: list[str] | None, urls: str | None,
            progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008 (Gradio's idiom)
        """Ingest uploaded files and pasted URLs, one at a time with progress."""
        messages: list[tuple[str, str]] = []
        inputs = self._stage_uploads(files or [], messages) + _pasted_urls(urls, messages)
        if not inputs and not messages:
            messages.append(("note", "Choose files or paste URLs first."))
        counts = self._ingest_each(inputs, messages, progress)
        counts["failed"] = sum(1 for tag, _ in messages if tag == "failed")
        summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
        return (render.report_html(messages, f"{summary}." if summary else ""), None, "",
                *self.refresh())

    def _stage_uploads(self, files: list[str], messages: list[tuple[str, str]]) -> list[str]:
        """Uploaded files within the limits, copied under a safe name into the uploads folder."""
        staged = []
        for temp in files:
            name = sanitize_filename(Path(temp).name)
            refused = check_upload(name, Path(temp).stat().st_size,
                                   self.settings.chat.upload_max_bytes)
            if refused:
                messages.append(("failed", refused))
                continue
            self.uploads.mkdir(parents=True, exist_ok=True)
            target = self.uploads / name
            shutil.copyfile(temp, target)
            staged.append(str(target.resolve()))
        return staged

    def _ingest_each(self, inputs: list[str], messages: list[tuple[str, str]],
                     progress: gr.Progress) -> dict[str, int]:
        counts = {"added": 0, "replaced": 0, "unchanged": 0}
        with self._write:
            for i, source in enumerate(inputs):
                label = source if is_url(source) else Path(source).name
                progress((i, len(inputs)), desc=f"Ingesting {label}")
                try:
                    report = self.assistant.ingest([source], progress=False, wait_for_lock_s=30)
                except StoreBusyError as exc:
                    messages.append(("failed", f"{label}: {exc}"))
                    continue
                except Exception as exc:
                    log.exception("ingest failed: %s", source)
                    messages.append(("failed", f"{label}: {render.error_reason(exc)}"))
                    continue
                for _, reason in report.failed:
                    messages.append(("failed", f"{label}: {reason}"))
                for outcome in counts:
                    if getattr(report, outcome):
                        counts[outcome] += 1
                        passages = f"{report.chunks} passage{'' if report.chunks == 1 else 's'}"
                        messages.append((outcome, f"{label} ({passages})"))
            progress((len(inputs), len(inputs)), desc="Done")
        return counts

    def delete(self, doc_id: str | None) -> tuple[Any, ...]:
        if not doc_id:  # none chosen, or the confirmation declined
            return (render.report_html([("note", "Nothing deleted: choose a document, then "
                                                 "confirm.")]),
                    *self.refresh())
        record = next((d for d in self.documents() if d.doc_id == doc_id), None)
        if record is None:
            return (render.report_html([("note", "That document is no longer in the store.")]),
                    *self.refresh())
        try:
            with self._write:
                deleted = self.assistant.delete(doc_id)
        except Exception as exc:
            log.exception("delete failed: %s", doc_id)
            return (render.report_html([("failed", render.error_reason(exc))]), *self.refresh())
        uploaded = Path(record.source)
        if deleted and uploaded.parent == self.uploads.resolve() and uploaded.is_file():
            uploaded.unlink()
        label = render.document_label(record)
        line = ("deleted", label) if deleted else ("failed", f"could not delete {label}")
        return (render.report_html([line]), *self.refresh())

    def _wire_library(self, tab: LibraryTab, views: list[Any]) -> None:
        tab.add.click(self.add, [tab.upload, tab.urls], [tab.ingest_status, tab.upload, tab.urls,
                                                        *views], concurrency_limit=1)
        tab.delete.click(self.delete, [tab.to_delete], [tab.delete_status, *views],
                         concurrency_limit=1, js=CONFIRM_DELETE)


def _pasted_urls(urls: str | None, messages: list[tuple[str, str]]) -> list[str]:
    """The http(s) URLs pasted, one a line; anything else is reported as failed."""
    accepted = []
    for line in (urls or "").splitlines():
        url = line.strip()
        if url and is_url(url):
            accepted.append(url)
        elif url:
            messages.append(("failed", f"{url}: not an http(s) URL"))
    return accepted


