"""The periods of an inline-XBRL document's contexts (<xbrli:context id=...>), read once, so
that a figure's tag names the dates it covers (see ingest/facts.py)."""

from __future__ import annotations

from lxml.html import HtmlElement


def context_periods(root: HtmlElement) -> dict[str, dict[str, str]]:
    """{context id: {"period_end": ISO date, "period_start": ISO date (durations only)}}."""
    out: dict[str, dict[str, str]] = {}
    for context in root.iter("xbrli:context"):
        dates = {el.tag.split(":")[-1]: (el.text or "").strip() for el in context.iter()
                 if isinstance(el.tag, str) and el.tag in ("xbrli:instant", "xbrli:startdate",
                                                           "xbrli:enddate")}
        if "instant" in dates:
            out[context.get("id", "")] = {"period_end": dates["instant"]}
        elif "enddate" in dates and "startdate" in dates:
            out[context.get("id", "")] = {"period_start": dates["startdate"],
                                          "period_end": dates["enddate"]}
        if any(True for el in context.iter("xbrldi:explicitmember", "xbrldi:typedmember")):
            out.get(context.get("id", ""), {})["dimensional"] = "1"
    return out
