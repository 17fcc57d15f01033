"""Look the vocabulary up from text: the metrics a question names, the line item a table row
is, the statement or section a heading or table caption names.

    metric_for("What was Apple's capex in FY2023?")             -> [Metric capex]
    line_item_for("Purchases of property, plant and equipment") -> [LineItem capital_expenditure]
    statement_for("CONDENSED CONSOLIDATED STATEMENTS OF CASH FLOWS (Unaudited)") -> Statement cash_flows

The module-level functions use the shipped vocabulary; `FinanceLookup(vocab)` any other one.
"""

from __future__ import annotations

import re
from functools import cache, cached_property

from ingest.finance.phrases import PhraseIndex, name_key
from ingest.finance.vocabulary import LineItem, Metric, Statement, Vocabulary, load_vocabulary

_FOOTNOTE = re.compile(r"\(\s*(?:\d{1,2}|[a-z]|[ivx]{1,4})\s*\)|\[\s*\d{1,2}\s*\]|[*\u2020\u2021]+")
_PARENTHETICAL = re.compile(r"\([^()]*\)")
# A comma tail that qualifies the item rather than naming it: ", net", ", net of allowances of $5".
_QUALIFIER_TAIL = re.compile(
    r",\s*(?:net\b|less\b|excluding\b|exclusive of\b|including\b|(?:beginning|ending) balance).*$",
    re.IGNORECASE)
# "Less: current portion of long-term debt", "Add: depreciation": the operation, not the item.
_OPERATION_PREFIX = re.compile(r"^\s*(?:less|add|plus|deduct)\b\s*:?\s*", re.IGNORECASE)
_TOTAL = "total "
_NOTE_HEADING = re.compile(r"\s*\(?note\s+\d+\b", re.IGNORECASE)
NOTES = "notes"


def label_key(row_label: str) -> str:
    """A row label reduced to what names the item: no footnote marks, parentheticals ("(loss)",
    "(benefit from)"), "Less:" in front, qualifying tails (", net of allowances of $12", ", ending
    balances"), case, punctuation or plurals."""
    text = _FOOTNOTE.sub(" ", row_label)
    text = _PARENTHETICAL.sub(" ", text)
    text = _OPERATION_PREFIX.sub("", text)
    text = _QUALIFIER_TAIL.sub("", text.strip().rstrip(":").strip())
    return name_key(text)


class FinanceLookup:
    """The lookups over one vocabulary; indexes are built on first use."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab

    @cached_property
    def _metric_names(self) -> PhraseIndex:
        return PhraseIndex({m.id: m.names for m in self.vocab.metrics.values()})

    @cached_property
    def _aliases(self) -> PhraseIndex:
        return PhraseIndex({i.id: i.aliases for i in self.vocab.line_items.values()})

    @cached_property
    def _headings(self) -> PhraseIndex:
        return PhraseIndex({s.id: s.headings for s in self.vocab.statements.values()})

    @cached_property
    def _excludes(self) -> PhraseIndex:
        return PhraseIndex({s.id: s.excludes for s in self.vocab.statements.values()})

    @cached_property
    def _labels(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for item in self.vocab.line_items.values():
            for label in item.labels:
                ids = index.setdefault(label_key(label), [])
                if item.id not in ids:
                    ids.append(item.id)
        return index

    def metric_for(self, text: str) -> list[Metric]:
        """The metrics `text` names, in the order it names them; the longest name wins where
        names overlap ("gross margin", not "margin"; "basic EPS", not "EPS")."""
        return [self.vocab.metrics[key] for key in self._metric_names.keys_in(text)]

    def line_items_named(self, text: str) -> list[LineItem]:
        """The line items `text` names by what people call them ("fixed assets", "buybacks"),
        in the order it names them, longest name first where names overlap."""
        return [self.vocab.line_items[key] for key in self._aliases.keys_in(text)]

    def line_item_for(self, row_label: str) -> list[LineItem]:
        """The line items a table row label is (usually one; a bare "Basic" under "Earnings per
        share" and under "Shares used" is two). Empty when the label is not a known line item."""
        key = label_key(row_label)
        ids = self._labels.get(key)
        if ids is None and key.startswith(_TOTAL):
            ids = self._labels.get(key[len(_TOTAL):])
        return [self.vocab.line_items[i] for i in ids or []]

    def statement_for(self, heading: str) -> Statement | None:
        """The statement or section a heading or table caption names, or None. A specific
        statement beats a generic section ("Notes to ... - Segment Information" is the segment
        note); otherwise the phrase found first wins ("Statements of Operations and
        Comprehensive Income" is the income statement)."""
        text = _PARENTHETICAL.sub(" ", heading)
        excluded = set(self._excludes.keys_in(text))
        matches = [m for m in self._headings.find(text) if m.key not in excluded]
        specific = [m for m in matches if not self.vocab.statements[m.key].generic]
        if specific:
            return self.vocab.statements[specific[0].key]
        if _NOTE_HEADING.match(heading) and NOTES in self.vocab.statements:
            return self.vocab.statements[NOTES]
        return self.vocab.statements[matches[0].key] if matches else None

    def statements_named(self, text: str) -> list[Statement]:
        """Every statement or section `text` names, in the order it names them ("based on the
        balance sheet and the P&L statement" -> balance sheet, income statement)."""
        text = _PARENTHETICAL.sub(" ", text)
        excluded = set(self._excludes.keys_in(text))
        return [self.vocab.statements[k] for k in self._headings.keys_in(text) if k not in excluded]

    def statements_for_metric(self, metric: Metric) -> list[Statement]:
        """The statements holding a metric's operands, in formula order."""
        ids = [self.vocab.line_items[name].statement for name in metric.line_item_ids()]
        return [self.vocab.statements[i] for i in dict.fromkeys(ids)]


@cache
def default_lookup() -> FinanceLookup:
    return FinanceLookup(load_vocabulary())


def metric_for(text: str) -> list[Metric]:
    return default_lookup().metric_for(text)


def line_item_for(row_label: str) -> list[LineItem]:
    return default_lookup().line_item_for(row_label)


def statement_for(heading: str) -> Statement | None:
    return default_lookup().statement_for(heading)


def statement_label(statement_id: str | None) -> str:
    """How a reader names a statement id: 'Cash flow statement' for 'cash_flows'; '' for None or
    an id the vocabulary lacks."""
    found = default_lookup().vocab.statements.get(statement_id or "")
    return found.label if found else ""
