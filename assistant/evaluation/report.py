"""Summaries of scored rows: a JSON-ready dict and Markdown tables, side by side with the plain
baseline when it ran."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from assistant.evaluation import metrics as m
from assistant.evaluation.baseline import LABEL as BASELINE_LABEL
from assistant.evaluation.runner import Row


def _mean(values: Sequence[float | bool | None]) -> float | None:
    kept = [float(v) for v in values if v is not None]
    return round(sum(kept) / len(kept), 4) if kept else None


def _pct(values: Sequence[float], q: float) -> float | None:
    return round(float(np.percentile(np.asarray(values), q)), 1) if values else None


def ranking(ranks: Sequence[int | None]) -> dict[str, Any]:
    """hit@k for k in CUTOFFS, and MRR, over the questions given."""
    out: dict[str, Any] = {"n": len(ranks)}
    for k in m.CUTOFFS:
        out[f"hit@{k}"] = _mean([m.hit_at(r, k) for r in ranks])
    out["mrr"] = _mean([m.reciprocal_rank(r) for r in ranks])
    return out


def summarize(rows: Sequence[Row], judge_label: str | None = None) -> dict[str, Any]:
    with_docs = [r for r in rows if r.gold_docs]
    with_pages = [r for r in rows if r.gold_pages]
    dossier: dict[str, Any] = {
        "doc": ranking([r.doc_rank for r in with_docs]),
        "page": ranking([r.page_rank for r in with_pages]) if with_pages else None,
        "answer_match": _mean([r.answer_match for r in rows]),
        "answer_match_scored": sum(r.answer_match is not None for r in rows),
        "figure_right": _mean([r.figure_right for r in rows]),
        "figure_right_scored": sum(r.figure_right is not None for r in rows),
        "figure_value_right": _mean([r.figure_value_right for r in rows]),
        "by_kind": _by_kind(rows),
        "judge": _mean([r.judge for r in rows]) if judge_label else None,
        "judge_label": judge_label,
        "gold_number_recall": _mean([r.gold_number_recall for r in rows]),
        "cannot_answer_rate": _mean([r.cannot_answer for r in rows]),
        "citation_validity": _mean([r.citation_validity for r in rows]),
        "numbers_supported": _mean([r.numbers_supported for r in rows]),
        "answer_ms_p50": _pct([r.answer_ms for r in rows], 50),
        "answer_ms_p95": _pct([r.answer_ms for r in rows], 95),
        "search_ms_p50": _pct([r.search_ms for r in rows], 50),
        "search_ms_p95": _pct([r.search_ms for r in rows], 95),
        "modes": sorted({r.mode for r in rows if r.mode}),
    }
    out: dict[str, Any] = {"questions": len(rows), "dossier": dossier}
    base = [r.baseline_ms for r in rows if r.baseline_ms is not None]
    if base:
        out["baseline"] = {
            "label": BASELINE_LABEL,
            "doc": ranking([r.baseline_doc_rank for r in with_docs]),
            "page": ranking([r.baseline_page_rank for r in with_pages]) if with_pages else None,
            "search_ms_p50": _pct(base, 50),
            "search_ms_p95": _pct(base, 95),
        }
    return out


def _by_kind(rows: Sequence[Row]) -> dict[str, dict[str, Any]]:
    """Answer scores per question type (TAT-QA's 'arithmetic/table', FinanceBench's types)."""
    kinds = sorted({r.kind for r in rows if r.kind})
    return {kind: {"n": len(part), "answer_match": _mean([r.answer_match for r in part]),
                   "figure_right": _mean([r.figure_right for r in part]),
                   "figure_right_scored": sum(r.figure_right is not None for r in part),
                   "figure_value_right": _mean([r.figure_value_right for r in part]),
                   "cannot_answer_rate": _mean([r.cannot_answer for r in part])}
            for kind in kinds for part in [[r for r in rows if r.kind == kind]]}


def to_json(summary: dict[str, Any], rows: Sequence[Row], meta: dict[str, Any]) -> dict[str, Any]:
    return {**meta, "summary": summary, "rows": [asdict(r) for r in rows]}


# Markdown ----------------------------------------------------------------------------------------
def _f(x: float | None, digits: int = 3) -> str:
    """A share to `digits` places; one short of whole never shows as whole (0.9997 is not
    "1.000": a citation or figure the checks reject must be seen)."""
    if x is None:
        return "–"
    shown = f"{x:.{digits}f}"
    while x < 1.0 and float(shown) >= 1.0 and digits < 8:
        digits += 1
        shown = f"{x:.{digits}f}"
    return shown


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]],
                   align: str | None = None) -> list[str]:
    """A Markdown table's lines. ``align``: one letter per column, ``l`` or ``r`` (default: the
    first column left, the others right)."""
    align = align or "l" + "r" * (len(headers) - 1)
    if len(align) != len(headers):
        raise ValueError(f"align {align!r} names {len(align)} columns; the table has {len(headers)}")
    return ["| " + " | ".join(headers) + " |",
            "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|",
            *("| " + " | ".join(str(c) for c in row) + " |" for row in rows)]


def retrieval_table(summary: dict[str, Any], k: int) -> list[str]:
    sides = [("Dossier", summary["dossier"])]
    if "baseline" in summary:
        sides.append((summary["baseline"]["label"], summary["baseline"]))
    paged = summary["dossier"]["page"] is not None
    cols = [f"hit@{c}" for c in m.CUTOFFS] + ["MRR"]
    headers = ["pipeline", *(f"doc {c}" for c in cols), *((f"page {c}" for c in cols) if paged else ()),
               "search p50 ms", "search p95 ms"]
    rows = []
    for name, side in sides:
        keys = [f"hit@{c}" for c in m.CUTOFFS] + ["mrr"]
        cells = [_f(side["doc"][key]) for key in keys]
        if paged:
            cells += [_f(side["page"][key]) for key in keys]
        rows.append([name, *cells, _f(side["search_ms_p50"], 1), _f(side["search_ms_p95"], 1)])
    return [f"Retrieval, top {k} passages; {summary['dossier']['doc']['n']} questions with gold "
            "documents" + (f", {summary['dossier']['page']['n']} with gold pages" if paged else ""),
            "", *markdown_table(headers, rows)]


def answer_table(summary: dict[str, Any]) -> list[str]:
    d = summary["dossier"]
    headers = ["mode", f"answer match ({d['answer_match_scored']} short gold answers)",
               "gold figures stated", "cannot answer", "citations verbatim",
               "figures backed by quotes", "ask p50 ms", "ask p95 ms"]
    cells: list[object] = [", ".join(d["modes"]) or "–", _f(d["answer_match"]),
                           _f(d["gold_number_recall"]), _f(d["cannot_answer_rate"]),
                           _f(d["citation_validity"]), _f(d["numbers_supported"]),
                           _f(d["answer_ms_p50"], 0), _f(d["answer_ms_p95"], 0)]
    if d["judge_label"]:
        headers.insert(2, d["judge_label"])
        cells.insert(2, _f(d["judge"]))
    if d["figure_right_scored"]:
        headers[2:2] = [f"figure right ({d['figure_right_scored']} one-figure gold answers)",
                        "figure right, scale aside"]
        cells[2:2] = [_f(d["figure_right"]), _f(d["figure_value_right"])]
    lines = ["Answers (Dossier)", "", *markdown_table(headers, [cells])]
    if len(d["by_kind"]) > 1:
        kind_rows = [[kind, v["n"], _f(v["answer_match"]),
                      f"{_f(v['figure_right'])} ({v['figure_right_scored']})" if v["figure_right_scored"]
                      else "–", _f(v["figure_value_right"]), _f(v["cannot_answer_rate"])]
                     for kind, v in d["by_kind"].items()]
        lines += ["", "By question type", "", *markdown_table(
            ["type", "questions", "answer match", "figure right (scored)", "scale aside", "cannot answer"],
            kind_rows)]
    return lines


def _cell(text: str, width: int = 90) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= width else text[: width - 1] + "…"


def rows_table(rows: Sequence[Row]) -> list[str]:
    base = any(r.baseline_ms is not None for r in rows)
    headers = ["id", "question", "doc rank", "page rank", *(["plain doc rank"] if base else []),
               "match", "cannot", "ms", "answer"]
    out = []
    for r in rows:
        match = "–" if r.answer_match is None else ("yes" if r.answer_match else "no")
        out.append([r.id, _cell(r.question, 70), r.doc_rank or "–", r.page_rank or "–",
                    *([r.baseline_doc_rank or "–"] if base else []), match,
                    "yes" if r.cannot_answer else "", f"{r.answer_ms:.0f}", _cell(r.answer)])
    return markdown_table(headers, out)


def markdown(summary: dict[str, Any], rows: Sequence[Row], *, title: str, k: int,
             notes: Sequence[str] = (), per_question: bool = True) -> str:
    lines = [f"## {title}", "", *(f"- {n}" for n in notes), *([""] if notes else []),
             *retrieval_table(summary, k), "", *answer_table(summary), ""]
    if per_question:
        lines += ["<details><summary>Per question</summary>", "", *rows_table(rows), "",
                  "</details>", ""]
    return "\n".join(lines)


def write_section(path: Path, name: str, body: str, kind: str = "eval") -> None:
    """Put `body` between <!-- eval:name --> and <!-- /eval:name --> (or another `kind` of
    marker) in `path`: replaced when the markers are there, appended otherwise; the rest of the
    file is kept."""
    start, end = f"<!-- {kind}:{name} -->", f"<!-- /{kind}:{name} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = (text.rstrip() + "\n\n" if text.strip() else "") + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
