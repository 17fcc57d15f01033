"""The stored facts as rows for people: a table, CSV or JSON (`dossier figures`)."""

from __future__ import annotations

import csv
from typing import Any, TextIO

from ingest.facts import Fact

COLUMNS = ("company", "statement", "line_item", "period", "value", "unit", "page")


def figure_rows(facts: list[Fact]) -> list[dict[str, Any]]:
    """One dict a fact: the columns people read, plus the exact fields a program needs."""
    return [{
        "company": f.company, "statement": f.statement, "line_item": _item(f),
        "line_item_id": f.line_item_id, "period": f.fiscal_period or f.header,
        "period_start": f.period_start, "period_end": f.period_end, "value": str(f.value),
        "unit": _unit(f), "scale": f.scale, "page": f.page, "concept": f.concept,
        "doc_id": f.doc_id, "chunk_id": f.chunk_id,
    } for f in facts]


def print_figures(facts: list[Fact], as_csv: bool, out: TextIO) -> None:
    rows = [{k: row[k] for k in COLUMNS} for row in figure_rows(facts)]
    if as_csv:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        return
    cells = [[str(r[k] if r[k] is not None else "") for k in COLUMNS] for r in rows]
    widths = [min(60, max(len(k), *(len(c[i]) for c in cells))) for i, k in enumerate(COLUMNS)]
    print("  ".join(k.ljust(w) for k, w in zip(COLUMNS, widths, strict=True)), file=out)
    for c in cells:
        print("  ".join(v[:w].ljust(w) for v, w in zip(c, widths, strict=True)).rstrip(), file=out)


def _item(fact: Fact) -> str:
    """'Net sales: Total net sales': the row label after its group's."""
    parents = [p.rstrip(":").strip() for p in fact.parents]
    return ": ".join([*parents, fact.line_item]) if parents else fact.line_item


def _unit(fact: Fact) -> str:
    """'USD millions', 'USD per share', '%', 'shares thousands'."""
    scale = {1_000: "thousands", 1_000_000: "millions", 1_000_000_000: "billions"}.get(fact.scale or 0, "")
    if fact.unit == "percent":
        return "%"
    if fact.unit == "per_share":
        return f"{fact.currency or ''} per share".strip()
    name = fact.currency if fact.unit == "currency" and fact.currency else (fact.unit or "")
    return " ".join(p for p in (name, scale) if p)
