"""The finance vocabulary, read from vocabulary.toml (package data) into typed, checked models.

`load_vocabulary()` reads the shipped file once; `read_vocabulary(path)` reads another one (a
user's extension, a test's). Either raises `VocabularyError` naming the file and what is wrong:
a formula outside the grammar, an operand that is not a line item, a name two metrics share, a
statement that does not exist.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ingest.finance.formula import Expr, FormulaError, operands, parse_formula
from ingest.finance.phrases import name_key

MetricKind = Literal["amount", "per_share", "shares", "ratio", "percentage", "days"]
Sign = Literal["positive", "negative", "either"]
PeriodType = Literal["instant", "duration"]


class VocabularyError(ValueError):
    """The vocabulary file is not valid: which file, which entry, what to fix."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Statement(_Strict):
    """A financial statement or filing section, and the heading phrases that name it."""

    id: str
    label: str
    headings: tuple[str, ...]
    excludes: tuple[str, ...] = Field((), description="Phrases that mean a heading is not about it.")
    generic: bool = Field(False, description="A broad section: a specific statement's heading beats it.")
    narrative: bool = Field(False, description="A section of prose (MD&A, risk factors): its own "
                            "subheadings ('Cash Flows') do not relabel it.")


class LineItem(_Strict):
    """One line of a statement: how filings label it, its XBRL concepts, where and how it is shown."""

    id: str
    label: str
    statement: str
    sign: Sign
    labels: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    concepts: tuple[str, ...] = ()
    period_type: PeriodType | None = None

    @property
    def period(self) -> PeriodType:
        """'instant' for balances, 'duration' for flows (balance-sheet items default to instant)."""
        return self.period_type or ("instant" if self.statement == "balance_sheet" else "duration")


class Metric(_Strict):
    """A figure analysts ask for: the names they use and how it is computed from line items."""

    id: str
    label: str
    kind: MetricKind
    names: tuple[str, ...]
    formula: str
    alternatives: tuple[str, ...] = ()
    parameters: tuple[str, ...] = ()
    definition: str = ""

    @property
    def expression(self) -> Expr:
        return parse_formula(self.formula)

    @property
    def alternative_expressions(self) -> tuple[Expr, ...]:
        return tuple(parse_formula(f) for f in self.alternatives)

    def line_item_ids(self) -> list[str]:
        """The line items its formula and alternatives use, primary formula first."""
        names = (n for f in (self.formula, *self.alternatives) for n in operands(parse_formula(f)))
        return [n for n in dict.fromkeys(names) if n not in self.parameters]


class Vocabulary(_Strict):
    source: str
    statements: dict[str, Statement]
    line_items: dict[str, LineItem]
    metrics: dict[str, Metric]


def _entries(raw: dict[str, Any], table: str, source: str) -> dict[str, dict[str, Any]]:
    entries = raw.get(table)
    if not isinstance(entries, dict) or not entries:
        raise VocabularyError(f"{source}: no [{table}.<id>] tables; the vocabulary needs at least one")
    return {key: {"id": key, **value} for key, value in entries.items()}


def _build(raw: dict[str, Any], source: str) -> Vocabulary:
    try:
        return Vocabulary(
            source=source,
            statements={k: Statement(**v) for k, v in _entries(raw, "statements", source).items()},
            line_items={k: LineItem(**v) for k, v in _entries(raw, "line_items", source).items()},
            metrics={k: Metric(**v) for k, v in _entries(raw, "metrics", source).items()},
        )
    except ValidationError as exc:
        raise VocabularyError(f"{source}: {exc}") from exc


def _check_metric(metric: Metric, vocab: Vocabulary) -> None:
    where = f"{vocab.source}: [metrics.{metric.id}]"
    for formula in (metric.formula, *metric.alternatives):
        try:
            names = operands(parse_formula(formula))
        except FormulaError as exc:
            raise VocabularyError(f"{where}: {exc}") from exc
        unknown = [n for n in names if n not in vocab.line_items and n not in metric.parameters]
        if unknown:
            raise VocabularyError(f"{where}: formula {formula!r} uses {', '.join(unknown)}, which is not a "
                                  "[line_items] entry or one of the metric's parameters")


def _check(vocab: Vocabulary) -> None:
    for item in vocab.line_items.values():
        if item.statement not in vocab.statements:
            raise VocabularyError(f"{vocab.source}: [line_items.{item.id}] statement {item.statement!r} "
                                  f"is not a [statements] entry ({', '.join(vocab.statements)})")
    owners: dict[str, str] = {}
    for metric in vocab.metrics.values():
        _check_metric(metric, vocab)
        for name in metric.names:
            key = name_key(name)
            if owners.get(key, metric.id) != metric.id:
                raise VocabularyError(f"{vocab.source}: the name {name!r} belongs to both "
                                      f"[metrics.{owners[key]}] and [metrics.{metric.id}]; keep it in one")
            owners[key] = metric.id


def read_vocabulary(path: str | Path) -> Vocabulary:
    """Read and check a vocabulary TOML file."""
    source = str(path)
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise VocabularyError(f"{source}: cannot read the vocabulary ({exc})") from exc
    vocab = _build(raw, source)
    _check(vocab)
    return vocab


@cache
def load_vocabulary() -> Vocabulary:
    """The vocabulary shipped with Dossier (ingest/finance/vocabulary.toml), read once."""
    with resources.as_file(resources.files("ingest.finance") / "vocabulary.toml") as path:
        return read_vocabulary(path)
