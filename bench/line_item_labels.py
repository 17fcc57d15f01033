"""Row labels of the vocabulary's line items (ingest.finance.line_item_for) against iXBRL tags.

In an inline-XBRL filing every figure of a statement is tagged with its concept. For each tagged
figure whose concept is one of the vocabulary's and whose context has no dimension (not a
segment or component breakdown) and that is not inside the label cell itself, the row label of
its table row is looked up with
`line_item_for`; it counts as right when a line item found lists that concept. Each distinct
(filing, concept, label) is counted once. The gold is the filer's own tag: no hand labels.

    .venv/bin/python -m bench.line_item_labels [--filings DIR] [--misses]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import lxml.html
from lxml.html import HtmlElement

from bench.common import DEFAULT_FILINGS
from ingest.finance import line_item_for, load_vocabulary


def _dimensional_contexts(root: HtmlElement) -> set[str]:
    return {ctx.get("id", "") for ctx in root.iter("xbrli:context")
            if any(True for _ in ctx.iter("xbrldi:explicitmember", "xbrldi:typedmember"))}


def _row_label(fact: HtmlElement) -> str | None:
    """The text of the first non-empty cell of the fact's row; None when the fact sits in that
    cell itself (a share count inside "Common stock, ... 15,116,786 shares outstanding")."""
    row = next((a for a in fact.iterancestors("tr")), None)
    if row is None:
        return None
    for cell in row.iter("td", "th"):
        text = " ".join(cell.text_content().split())
        if text:
            inside = any(a is cell for a in fact.iterancestors())
            return text if any(c.isalpha() for c in text) and not inside else None
    return None


def tagged_labels(path: Path, concepts: set[str]) -> set[tuple[str, str]]:
    """(concept, row label) of each dimensionless tagged figure of a vocabulary concept."""
    root = lxml.html.document_fromstring(path.read_bytes())
    skip = _dimensional_contexts(root)
    found: set[tuple[str, str]] = set()
    for fact in root.iter("ix:nonfraction"):
        concept = fact.get("name", "")
        if concept in concepts and fact.get("contextref") not in skip:
            label = _row_label(fact)
            if label:
                found.add((concept, label))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filings", type=Path, default=DEFAULT_FILINGS)
    parser.add_argument("--misses", action="store_true", help="list the labels mapped wrong")
    args = parser.parse_args(argv)
    concepts = {c for item in load_vocabulary().line_items.values() for c in item.concepts}
    total, misses = 0, []
    for path in sorted(args.filings.glob("*.htm*")):
        for concept, label in sorted(tagged_labels(path, concepts)):
            total += 1
            items = line_item_for(label)
            if not any(concept in item.concepts for item in items):
                misses.append((path.name, concept, label, [i.id for i in items]))
    right = total - len(misses)
    print(f"line_item_for on {total} tagged row labels of {args.filings}: {right} / {total} = "
          f"{right / max(total, 1):.1%} mapped to a line item with the tagged concept")
    if args.misses:
        for name, concept, label, got in misses:
            print(f"  {name[:28]}  {concept}  {label!r} -> {got}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
