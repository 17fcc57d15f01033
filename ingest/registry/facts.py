"""The ``facts`` table (registry migration 3): each figure of a stored document's financial
tables (ingest/facts.py), written and deleted with its document."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from ingest.registry.tables import Tables

if TYPE_CHECKING:  # ingest.facts loads the loaders (lxml, trafilatura): only where facts are read
    from ingest.facts import Fact

_FACT_COLUMNS = ("doc_id, chunk_id, page, company, statement, line_item, parents_json, line_item_id, "
                 "header, period_start, period_end, fiscal_period, value, text, unit, currency, "
                 "scale, concept")


class FactTable(Tables):
    def has_facts(self, doc_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM facts WHERE doc_id=? LIMIT 1", (doc_id,)).fetchone() is not None

    def facts(self, *, company: str | None = None, fiscal_period: str | None = None,
              statement: str | None = None, line_item: str | None = None,
              doc_id: str | None = None) -> list[Fact]:
        """Stored facts, in document and table order. `company` matches the company name
        (case-insensitive, a part of it: "apple" finds "Apple Inc.") or the ticker;
        `line_item` a vocabulary id or a part of the row label."""
        where, args = ["1=1"], []
        if company:
            where.append("(lower(f.company) LIKE ? OR lower(json_extract(d.meta_json, '$.ticker')) = ?)")
            args += [f"%{company.lower()}%", company.lower()]
        if fiscal_period:
            where.append("upper(f.fiscal_period) = ?")
            args.append(" ".join(fiscal_period.upper().split()))
        if statement:
            where.append("f.statement = ?")
            args.append(statement)
        if line_item:
            where.append("(f.line_item_id = ? OR lower(f.line_item) LIKE ?)")
            args += [line_item, f"%{line_item.lower()}%"]
        if doc_id:
            where.append("f.doc_id = ?")
            args.append(doc_id)
        columns = ", ".join(f"f.{c.strip()}" for c in _FACT_COLUMNS.split(","))
        rows = self.db.execute(
            f"SELECT {columns} FROM facts f JOIN documents d USING (doc_id) "
            f"WHERE {' AND '.join(where)} ORDER BY d.ingested_at, d.source, f.ordinal", args,
        ).fetchall()
        return [_fact(row) for row in rows]

    # writes, inside the registry's transactions (see Registry) ---------------------------------
    def _insert_facts(self, doc_id: str, facts: Sequence[Fact]) -> None:
        self.db.executemany(
            f"INSERT INTO facts (ordinal, {_FACT_COLUMNS}) VALUES ({', '.join('?' * 19)})",
            [(i, doc_id, f.chunk_id, f.page, f.company, f.statement, f.line_item,
              json.dumps(list(f.parents)), f.line_item_id, f.header, f.period_start,
              f.period_end, f.fiscal_period, str(f.value), f.text, f.unit, f.currency, f.scale,
              f.concept) for i, f in enumerate(facts)],
        )

    def _set_facts_company(self, doc_id: str, company: str | None) -> None:
        self.db.execute("UPDATE facts SET company=? WHERE doc_id=?", (company, doc_id))


def _fact(row: tuple[object, ...]) -> Fact:
    from ingest.facts import Fact

    (doc_id, chunk_id, page, company, statement, line_item, parents_json, line_item_id, header,
     period_start, period_end, fiscal_period, value, text, unit, currency, scale, concept) = row
    return Fact(str(doc_id), _opt(chunk_id), page if isinstance(page, int) else None, _opt(company),
                _opt(statement), str(line_item), tuple(json.loads(str(parents_json))),
                _opt(line_item_id), str(header), _opt(period_start), _opt(period_end),
                _opt(fiscal_period), Decimal(str(value)), str(text), _opt(unit), _opt(currency),
                scale if isinstance(scale, int) else None, _opt(concept))


def _opt(value: object) -> str | None:
    return None if value is None else str(value)
