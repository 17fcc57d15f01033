"""Inline XBRL states scale and unit as attributes (`scale`, `unitRef`); a table whose text states
no units gets a units line read from them (`xbrl_units_line`), so one reader serves PDF, HTML and
iXBRL alike."""

from __future__ import annotations

import re
from collections import Counter

from lxml.html import HtmlElement

from ingest.units.vocabulary import KINDS, SCALE_NAMES, Kind


class XbrlUnits:
    """The units an inline-XBRL document defines (<xbrli:unit id=...>), read once."""

    def __init__(self, root: HtmlElement) -> None:
        self.kinds: dict[str, tuple[Kind | None, str | None]] = {}
        for unit in root.iter("xbrli:unit"):
            measures = [(m.text or "").strip().lower() for m in unit.iter("xbrli:measure")]
            self.kinds[unit.get("id", "")] = _unit_kind(measures)

    def __bool__(self) -> bool:
        return bool(self.kinds)


def _unit_kind(measures: list[str]) -> tuple[Kind | None, str | None]:
    if len(measures) == 2 and measures[0].startswith("iso4217:") and measures[1].endswith(":shares"):
        return "per_share", measures[0].split(":", 1)[1].upper()
    if len(measures) == 1:
        measure = measures[0]
        if measure.startswith("iso4217:"):
            return "currency", measure.split(":", 1)[1].upper()
        if measure.endswith(":shares"):
            return "shares", None
        if measure.endswith(":pure"):
            return "percent", None
    return None, None


def xbrl_units_line(table: HtmlElement, defined: XbrlUnits) -> str | None:
    """A units line for a table from its facts' `scale` and `unitRef` attributes: "(Inline XBRL:
    in millions of USD, except shares in thousands and per-share amounts)"; None when the table
    holds no facts or its amounts disagree on their scale."""
    seen: dict[Kind, Counter[tuple[int, str | None]]] = {kind: Counter() for kind in KINDS}
    for fact in table.iter("ix:nonfraction"):
        kind, code = defined.kinds.get(fact.get("unitref", ""), (None, None))
        scale = fact.get("scale", "0").strip()
        if kind is None or not re.fullmatch(r"-?\d{1,2}", scale):
            continue
        seen[kind][(int(scale), code)] += 1
    money = seen["currency"]
    if len(money) != 1:
        return None
    (power, code), = money
    if power not in (0, 3, 6, 9, 12):
        return None
    amounts = f"in {SCALE_NAMES[10.0 ** power]}s of {code}" if power else f"in {code}"
    excepted = []
    excepted_kinds: tuple[tuple[Kind, str], ...] = (
        ("shares", "shares"), ("per_share", "per-share amounts"), ("percent", "percentages"))
    for kind, name in excepted_kinds:
        scales = {p for p, _ in seen[kind]}
        if not scales:
            continue
        power = max(scales) if kind == "shares" else 0
        excepted.append(f"{name} in {SCALE_NAMES[10.0 ** power]}s" if power in (3, 6, 9) else name)
    tail = f", except {' and '.join(excepted)}" if excepted else ""
    return f"(Inline XBRL: {amounts}{tail})"
