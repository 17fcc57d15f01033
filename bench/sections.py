"""Section (Part / Item) detection of the SEC loader against sec-parser's gold.

Gold: `*.expected-top-level-sections.json` from alphanome-ai/sec-parser-test-data, next to their
filings in /work/shared/corpus/filings: one entry per top-level section, `identifier` ("1A",
"part2item1a") and `character_count`, the length of the section's HTML source (from its heading
element to the next section's). A gold section counts as found when Dossier has a section
- titled right: its label starts with that Item (and, in a 10-Q, "Part I, " / "Part II, ")
  followed by a title, and
- bounded right: the HTML between its heading and the next Dossier section's heading is within
  max(500 chars, 5 %) of the gold character_count.

Dossier's sections are placed in the HTML by occurrence: a heading that is the k-th "Item 1A" of
the extracted text is the k-th "Item 1A" of the HTML's text. The other filings of the folder
(no gold) are listed with the number of sections found.

    .venv/bin/python -m bench.sections [--filings DIR] [--no-doc]
"""

from __future__ import annotations

import argparse
import html as html_lib
import json
import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.evaluation.report import markdown_table, write_section
from ingest.documents import Document
from ingest.loaders import load_documents

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "evaluation.md"
DEFAULT_FILINGS = Path("/work/shared/corpus/filings")
_GOLD_SUFFIX = ".expected-top-level-sections.json"
_HIDDEN = re.compile(r"<(script|style|head|ix:header)\b.*?</\1>", re.S | re.I)
_TOKEN = re.compile(r"<[^>]*>|[^<]+")
_GOLD_ID = re.compile(r"^(?:part(\d))?(?:item)?(\d+[a-z]?)$", re.I)
_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}


@dataclass
class Section:
    label: str
    key: str  # "1A"
    part: str | None  # "I" / "II" when the label carries it
    text_start: int  # of the Item heading in Document.text
    html_start: int = -1
    html_len: int = 0


def html_text(raw: str) -> tuple[str, list[int], list[int]]:
    """The HTML's visible text (hidden header, scripts dropped) and, for mapping back, the text
    offset where each text token starts and that token's offset in the HTML."""
    blanked = _HIDDEN.sub(lambda m: " " * len(m.group(0)), raw)
    parts: list[str] = []
    text_at: list[int] = []
    html_at: list[int] = []
    pos = 0
    for m in _TOKEN.finditer(blanked):
        token = m.group(0)
        if token.startswith("<"):
            continue
        text = html_lib.unescape(token)
        text_at.append(pos)
        html_at.append(m.start())
        parts.append(text)
        pos += len(text)
    return "".join(parts), text_at, html_at


def item_pattern(key: str) -> re.Pattern[str]:
    # no \b before "Item": the HTML's text runs words of adjacent cells together ("Part IItem 1")
    return re.compile(rf"item\s*{re.escape(key)}(?![0-9A-Za-z])", re.I)


def sections_of(doc: Document) -> list[Section]:
    out: list[Section] = []
    last: str | None = None
    for block in doc.blocks:
        if not block.section or block.section == last:
            last = block.section
            continue
        last = block.section
        m = re.match(r"^(?:Part ([IVX]+), )?item\s*(\d+[A-Z]?)", block.section, re.I)
        if not m:
            continue
        key = m.group(2).upper()
        found = item_pattern(key).search(doc.text, block.start)
        start = found.start() if found else block.start
        out.append(Section(block.section, key, m.group(1), start))
    return out


def place(sections: list[Section], doc: Document, raw: str) -> None:
    """HTML offset of each section's heading, by occurrence count; length up to the next one."""
    text, text_at, html_at = html_text(raw)
    for sec in sections:
        pattern = item_pattern(sec.key)
        k = len(pattern.findall(doc.text, 0, sec.text_start))
        matches = list(pattern.finditer(text))
        if k < len(matches):
            i = bisect_right(text_at, matches[k].start()) - 1
            sec.html_start = html_at[i]
    placed = [s for s in sections if s.html_start >= 0]
    end = len(raw)
    body_end = re.search(r"</body>", raw, re.I)
    if body_end:
        end = body_end.start()
    for sec, nxt in zip(placed, [*placed[1:], None], strict=True):
        sec.html_len = (nxt.html_start if nxt else end) - sec.html_start


def score(gold_path: Path, filing: Path) -> tuple[int, int, list[str]]:
    gold = json.loads(gold_path.read_text())
    doc = load_documents(str(filing))[0]
    raw = filing.read_text(encoding="utf-8", errors="replace")
    sections = sections_of(doc)
    place(sections, doc, raw)
    hits, misses = 0, []
    for entry in gold:
        m = _GOLD_ID.match(entry["identifier"])
        if not m:
            misses.append(f"{entry['identifier']}: unreadable gold id")
            continue
        part = _ROMAN.get(m.group(1) or "")
        key = m.group(2).upper()
        mine = next((s for s in sections if s.key == key and (part is None or s.part == part)), None)
        want = entry["character_count"]
        if mine is None:
            misses.append(f"{entry['identifier']}: not found")
            continue
        titled = len(re.sub(r"^(?:Part [IVX]+, )?item\s*\d+[A-Z]?[.:]?\s*", "", mine.label, flags=re.I)) > 2
        bounded = abs(mine.html_len - want) <= max(500, 0.05 * want)
        if titled and bounded:
            hits += 1
        else:
            why = [] if titled else ["no title"]
            if not bounded:
                why.append(f"{mine.html_len} html chars, gold {want}")
            misses.append(f"{entry['identifier']}: {', '.join(why)}")
    return hits, len(gold), misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filings", type=Path, default=DEFAULT_FILINGS)
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/ alone")
    args = parser.parse_args(argv)
    golds = sorted(args.filings.glob(f"*{_GOLD_SUFFIX}"))
    rows: list[list[object]] = []
    total_hits = total = 0
    details: list[str] = []
    for gold in golds:
        filing = gold.with_name(gold.name[: -len(_GOLD_SUFFIX)] + ".html")
        hits, n, misses = score(gold, filing)
        total_hits, total = total_hits + hits, total + n
        rows.append([filing.name, f"{hits} / {n}", f"{hits / n:.0%}", "; ".join(misses) or "-"])
        print(f"{filing.name}: {hits}/{n} sections right" + (f"; misses: {misses}" if misses else ""))
    print(f"all gold: {total_hits}/{total} = {total_hits / max(total, 1):.1%}")
    others: list[list[object]] = []
    gold_filings = {g.name[: -len(_GOLD_SUFFIX)] for g in golds}
    for path in sorted(args.filings.iterdir()):
        if path.suffix not in (".html", ".txt") or path.stem in gold_filings or "_R" in path.stem[-4:]:
            continue
        docs = load_documents(str(path))
        labels = [b.section for b in docs[0].blocks if b.section]
        items = list(dict.fromkeys(labels))
        first = "; ".join(_short(s) for s in items[:30]) or "-"
        others.append([path.name, docs[0].meta.form or "-", len(items), first])
        details.append(f"{path.name}: {len(items)} sections, {len(docs)} document(s)")
    print("\n".join(details))
    if not args.no_doc:
        write_doc(rows, total_hits, total, others)
    return 0


_SHORT = re.compile(
    r"^(?:Part [IVX]+, )?(?:PART\s+[IVX]+|Item\s*\d+[A-Z]?(?:\.\d\d)?(?:\.?\s?[A-H]\b)?)", re.I
)


def _short(label: str) -> str:
    """'Part I, Item 2. Management's...' -> 'Part I, Item 2'; 'ITEM 2.02. Results' -> 'ITEM 2.02'."""
    found = _SHORT.match(label)
    return found.group(0) if found else label[:20]


def write_doc(rows: list[list[object]], hits: int, total: int, others: list[list[object]]) -> None:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = "\n".join([
        "## SEC sections (Part / Item) against sec-parser's gold",
        "",
        f"- Date: {when}",
        "- Command (from the repository root): `.venv/bin/python -m bench.sections`",
        "- Gold: `*.expected-top-level-sections.json` (alphanome-ai/sec-parser-test-data) in "
        "/work/shared/corpus/filings. A gold section counts when Dossier has it with a title (in a "
        "10-Q with its Part) and its HTML length, from its heading to Dossier's next heading, is "
        "within max(500 chars, 5 %) of the gold `character_count`.",
        f"- Result: **{hits} / {total} = {hits / max(total, 1):.1%}** of gold sections right.",
        "",
        *markdown_table(["filing", "right", "share", "misses"], rows, align="lrrl"),
        "",
        "Filings without gold: sections found (Item numbers, in order).",
        "",
        *markdown_table(["filing", "form", "sections", "found"], others, align="llrl"),
    ])
    write_section(DOC, "sections", body)


if __name__ == "__main__":
    raise SystemExit(main())
