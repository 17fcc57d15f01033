"""Question sets for `dossier eval`, read into one shape.

Four formats, told apart by the file:

- FinanceBench JSONL (`.jsonl` whose records have `evidence`): question, answer, and evidence
  items with `doc_name` and `evidence_page_num` (0-based in FinanceBench; stored here 1-based).
- Docugami CSV (`.csv`: Question, Source Docs, Answer): source docs are globs such as
  `*2023 Q3 AAPL*`, matched against file names.
- TAT-QA JSON (`.json`: a list of {table, paragraphs, questions}): each table with its paragraphs
  becomes one Markdown note (a real pipe table, then the paragraphs), written by the reader,
  which is the question's gold document.
- Simple JSONL (`{question, answer, sources}`): `sources` lists document names (or globs) or
  `{"doc": NAME, "page": N}` objects, pages 1-based.

Pages are 1-based everywhere after reading.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from assistant.errors import DossierError
from ingest.loaders.tables import is_figure
from ingest.units import states_units

Format = Literal["financebench", "docugami", "tatqa", "simple"]
FORMATS: tuple[str, ...] = ("financebench", "docugami", "tatqa", "simple")


class DatasetError(DossierError, ValueError):
    """A question set that cannot be read; the message names the file and what to fix."""


@dataclass(frozen=True)
class GoldSource:
    doc: str  # a file name, a file stem or a glob (`*2023 Q3 AAPL*`)
    page: int | None = None  # 1-based


@dataclass
class EvalItem:
    id: str
    question: str
    answers: list[str]  # the gold answer; several parts (TAT-QA multi-span) must all be there
    sources: list[GoldSource] = field(default_factory=list)
    kind: str = ""  # the data set's question type, when it has one

    @property
    def answer(self) -> str:
        return "; ".join(self.answers)


@dataclass
class EvalSet:
    name: str
    format: Format
    items: list[EvalItem]
    documents: dict[str, str] = field(default_factory=dict)  # file name -> text, written by us


def detect_format(path: Path) -> Format:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "docugami"
    if suffix == ".json":
        return "tatqa"
    if suffix == ".jsonl":
        first = next((line for line in _lines(path) if line[1].strip()), None)
        if first is None:
            raise DatasetError(f"{path}: the file is empty; it needs one JSON object per line")
        record = _json_line(path, *first)
        return "financebench" if "evidence" in record else "simple"
    raise DatasetError(f"{path}: unknown question-set format {suffix or '(no suffix)'!r}; use .jsonl "
                       "(FinanceBench or {question, answer, sources}), .csv (Docugami) or .json "
                       "(TAT-QA), or name the format with --format")


def read_dataset(path: Path, fmt: str = "auto") -> EvalSet:
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such file; give the path of a question set")
    if fmt == "auto":
        fmt = detect_format(path)
    readers = {"financebench": read_financebench, "docugami": read_docugami, "tatqa": read_tatqa,
               "simple": read_simple}
    if fmt not in readers:
        raise DatasetError(f"--format {fmt!r} is not one of auto, {', '.join(FORMATS)}")
    out = readers[fmt](path)
    if not out.items:
        raise DatasetError(f"{path}: no questions found in this {fmt} file")
    return out


# JSONL helpers ---------------------------------------------------------------------------------
def _lines(path: Path) -> list[tuple[int, str]]:
    return list(enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1))


def _json_line(path: Path, number: int, line: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}: line {number} is not valid JSON ({exc.msg})") from None
    if not isinstance(record, dict):
        raise DatasetError(f"{path}: line {number} is not a JSON object")
    return record


def _records(path: Path) -> list[tuple[int, dict[str, Any]]]:
    return [(n, _json_line(path, n, line)) for n, line in _lines(path) if line.strip()]


def _need(path: Path, number: int, record: dict[str, Any], key: str) -> Any:
    value = record.get(key)
    if value in (None, "", []):
        raise DatasetError(f"{path}: line {number} has no {key!r}")
    return value


def _answers(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value).strip()] if str(value).strip() else []


# the readers -----------------------------------------------------------------------------------
def read_financebench(path: Path) -> EvalSet:
    items = []
    for number, rec in _records(path):
        sources = []
        for ev in rec.get("evidence") or []:
            doc = ev.get("doc_name") or rec.get("doc_name")
            page = ev.get("evidence_page_num")
            if doc:
                sources.append(GoldSource(str(doc), int(page) + 1 if page is not None else None))
        if not sources and rec.get("doc_name"):
            sources.append(GoldSource(str(rec["doc_name"])))
        items.append(EvalItem(
            id=str(rec.get("financebench_id") or number),
            question=str(_need(path, number, rec, "question")).strip(),
            answers=_answers(_need(path, number, rec, "answer")),
            sources=list(dict.fromkeys(sources)),
            kind=str(rec.get("question_type") or ""),
        ))
    return EvalSet(path.stem, "financebench", items)


def read_simple(path: Path) -> EvalSet:
    items = []
    for number, rec in _records(path):
        sources = []
        for src in rec.get("sources") or []:
            if isinstance(src, str):
                sources.append(GoldSource(src))
            elif isinstance(src, dict) and (src.get("doc") or src.get("document")):
                page = src.get("page")
                sources.append(GoldSource(str(src.get("doc") or src.get("document")),
                                          int(page) if page is not None else None))
            else:
                raise DatasetError(f"{path}: line {number}: a source must be a document name or "
                                   f'{{"doc": NAME, "page": N}}, not {src!r}')
        items.append(EvalItem(
            id=str(rec.get("id") or number),
            question=str(_need(path, number, rec, "question")).strip(),
            answers=_answers(rec.get("answer", "")),
            sources=sources,
            kind=str(rec.get("type") or ""),
        ))
    return EvalSet(path.stem, "simple", items)


def read_docugami(path: Path) -> EvalSet:
    items = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = {"Question", "Source Docs"} - set(reader.fieldnames or [])
        if missing:
            raise DatasetError(f"{path}: a Docugami CSV needs the columns Question, Source Docs and "
                               f"Answer; missing {', '.join(sorted(missing))}")
        for number, row in enumerate(reader, start=2):
            question = (row.get("Question") or "").strip()
            if not question:
                continue
            globs = [g.strip() for g in re.split(r"[,\n;]", row.get("Source Docs") or "") if g.strip()]
            items.append(EvalItem(
                id=str(number), question=question, answers=_answers(row.get("Answer") or ""),
                sources=[GoldSource(g) for g in globs], kind=(row.get("Question Type") or "").strip(),
            ))
    return EvalSet(path.stem, "docugami", items)


_SCALE = {"thousand": "thousand", "million": "million", "billion": "billion", "percent": "%"}


def read_tatqa(path: Path) -> EvalSet:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, list) or not all(isinstance(c, dict) and "questions" in c for c in data):
        raise DatasetError(f"{path}: a TAT-QA file is a list of {{table, paragraphs, questions}}")
    items: list[EvalItem] = []
    documents: dict[str, str] = {}
    for context in data:
        uid = str((context.get("table") or {}).get("uid") or len(documents))
        name = f"tatqa-{uid}.md"
        documents[name] = tatqa_document(context)
        for q in context["questions"]:
            if "answer" not in q:  # the test split without gold answers
                continue
            answers = _answers(q["answer"])
            scale = _SCALE.get(str(q.get("scale") or ""), "")
            if scale and q.get("answer_type") == "arithmetic":
                answers = [f"{a}{scale}" if scale == "%" else f"{a} {scale}" for a in answers]
            items.append(EvalItem(id=str(q.get("uid") or len(items)), question=str(q["question"]),
                                  answers=answers, sources=[GoldSource(name)],
                                  kind=f"{q.get('answer_type', '')}/{q.get('answer_from', '')}"))
    return EvalSet(path.stem, "tatqa", items, documents)


def tatqa_document(context: dict[str, Any]) -> str:
    """A TAT-QA context as a user's Markdown note would hold it: the table as a pipe table, then
    the paragraphs in their order, those ending with a colon (which introduce the table: "...
    by contract type (in millions):") or stating the units (the page's heading "NOTES TO
    CONSOLIDATED FINANCIAL STATEMENTS (in thousands)") before it. The table's leading rows without figures are
    its head: a row with a single cell (a title, "Years Ended September 30,", "(in millions)") becomes a line
    above the table, the others are merged column by column into the one header row Markdown
    allows ("2019 €m")."""
    rows = [[" ".join(str(c).split()).replace("|", "/") for c in row]
            for row in (context.get("table") or {}).get("table") or [] if any(str(c).strip() for c in row)]
    paragraphs = sorted(context.get("paragraphs") or [], key=lambda p: p.get("order", 0))
    texts = [str(p.get("text", "")).strip() for p in paragraphs]
    # "The table below presents net sales by contract type (in millions):" introduces the table;
    # a page heading "NOTES TO ... (in thousands, except per share data)" stands above it
    intro = [t for t in texts if t.endswith(":") or states_units(t)]
    rest = [t for t in texts if t not in intro]
    return "\n\n".join([*intro, *_markdown_table(rows), *rest]).strip() + "\n"


def _markdown_table(rows: list[list[str]]) -> list[str]:
    """[the caption lines, the pipe table], or [] for no table."""
    if not rows:
        return []
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    n_head = next((i for i, r in enumerate(rows) if any(is_figure(c) and any(ch.isdigit() for ch in c)
                                                          for c in r[1:])), len(rows))
    n_head = min(n_head, len(rows) - 1)
    # a row label alone under the column headers ("December 31, 2019" over that year's rows) is
    # the first group of the body, not a caption
    first_head = next((i for i, r in enumerate(rows[:n_head]) if sum(1 for c in r if c) > 1), n_head)
    groups = [r for r in rows[first_head:n_head] if sum(1 for c in r if c) == 1 and r[0]]
    captions = [" ".join(c for c in r if c) for r in rows[:n_head]
                if sum(1 for c in r if c) == 1 and not any(r is g for g in groups)]
    head_rows = [r for r in rows[:n_head] if sum(1 for c in r if c) > 1]
    header = [" ".join(r[col] for r in head_rows if r[col]) for col in range(width)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(r) + " |" for r in [*groups, *rows[n_head:]]]
    return [*(c for c in captions if c), "\n".join(lines)]
