"""The Library tab's table, the example questions the chat offers, and the ingest or delete
report."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from assistant.ui.render.labels import display_date, plain_html, short_company
from ingest.locations import is_url
from ingest.registry import DocRecord

LIBRARY_COLUMNS = ["Title", "Company", "Form", "Period", "Chunks", "Ingested", "Source"]


def library_rows(records: Iterable[DocRecord]) -> list[list[object]]:
    rows: list[list[object]] = []
    for r in sorted(records, key=lambda r: r.ingested_at, reverse=True):
        m = r.meta
        source = r.source if is_url(r.source) else Path(r.source).name
        rows.append([m.title or Path(r.source).name, m.company or m.ticker or "", m.form or "",
                     m.period or "", r.n_chunks, display_date(r.ingested_at), source])
    return rows


# Questions known to be answered well by the documents this project ships (demo corpus, test
# fixtures), keyed by file name prefix; other documents get a question built from their metadata.
KNOWN_QUESTIONS: dict[str, str] = {
    "alibaba-ai-investment-2025": "How much is Alibaba investing in AI and cloud infrastructure?",
    "AAPL_10-Q_Q3FY2023": "What were Apple's total net sales in the third quarter of fiscal 2023?",
    "BKE_8-K_2024-11-22_EX-99.1": "What were The Buckle's comparable store sales?",
    "ORCL_8-K_2024-11-14": "How did Oracle's stockholders vote?",
    "JWN_8-K_2023-03-01": "What did Nordstrom report in its 8-K?",
}


def example_questions(records: Iterable[DocRecord], limit: int = 4) -> list[str]:
    known: list[str] = []
    generic: list[str] = []
    for r in sorted(records, key=lambda r: r.ingested_at, reverse=True):
        name = Path(r.source.split("?", 1)[0]).name
        for prefix, question in KNOWN_QUESTIONS.items():
            if name.startswith(prefix) and question not in known:
                known.append(question)
                break
        else:
            company = short_company(r.meta.company)
            if company:
                q = f"What did {company} report in its {r.meta.form or 'filing'}?"
                if q not in generic:
                    generic.append(q)
    return (known + generic)[:limit]


def report_html(lines: Sequence[tuple[str, str]], summary: str = "") -> str:
    """The ingest or delete report under the Library's buttons: (tag, text) lines, the tag one
    of added, replaced, unchanged, deleted (shown green), failed (red) or note."""
    head = f'<p class="report-summary"><strong>{plain_html(summary)}</strong></p>' if summary else ""
    items = "".join(
        f'<li><span class="tag {_TAG_KIND.get(tag, "info")}">{plain_html(tag)}</span>'
        f"{plain_html(text)}</li>" for tag, text in lines
    )
    return f'<div class="report">{head}{"<ul>" + items + "</ul>" if items else ""}</div>'


_TAG_KIND = {"added": "ok", "replaced": "ok", "deleted": "ok", "unchanged": "info", "failed": "fail"}
