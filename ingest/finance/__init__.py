"""The finance vocabulary: metrics analysts name, the line items and XBRL concepts that feed
them, the statements they sit in, and lookups from question text, row labels and headings."""

from ingest.finance.definition import Definition, parse_definition
from ingest.finance.formula import Expr, FormulaError, evaluate, operands, parse_formula, render
from ingest.finance.lookup import FinanceLookup, line_item_for, metric_for, statement_for
from ingest.finance.vocabulary import (
    LineItem,
    Metric,
    Statement,
    Vocabulary,
    VocabularyError,
    load_vocabulary,
    read_vocabulary,
)

__all__ = [
    "Definition", "Expr", "FinanceLookup", "FormulaError", "LineItem", "Metric", "Statement", "Vocabulary",
    "VocabularyError", "evaluate", "line_item_for", "load_vocabulary", "metric_for", "operands",
    "parse_definition", "parse_formula", "read_vocabulary", "render", "statement_for",
]
