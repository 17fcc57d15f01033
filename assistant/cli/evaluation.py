"""`dossier eval`: the typer command; the work is in assistant/evaluation/command.py."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import JsonFlag


def eval_cmd(
    dataset: Annotated[Path, typer.Argument(help="Question set: FinanceBench .jsonl, Docugami .csv, "
                                            "TAT-QA .json, or .jsonl of {question, answer, sources}.")],
    docs: Annotated[Path | None, typer.Option(help="Folder of the documents: ingested first into "
                                              "a store of its own, cached between runs.")] = None,
    store: Annotated[Path | None, typer.Option(help="Where that store lives (default: a folder "
                                               "per docs folder in the user cache).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="auto, financebench, docugami, tatqa, "
                                     "simple.")] = "auto",
    k: Annotated[int, typer.Option("--k", "-k", help="Passages ranked per question.")] = 10,
    mode: Annotated[str | None, typer.Option(help="Answer mode passed to ask (default: the "
                                             "assistant's).")] = None,
    baseline: Annotated[bool, typer.Option(help="Also run the plain LangChain pipeline of the "
                                           "FinanceBench paper (needs the bench extra).")] = False,
    judge: Annotated[bool, typer.Option(help="Grade answers with the configured LLM too.")] = False,
    limit: Annotated[int, typer.Option(help="Only the first N questions (0: all).")] = 0,
    given_docs: Annotated[bool, typer.Option("--given-docs", help="Search and answer each question "
                                             "within its gold documents only: answering measured "
                                             "apart from retrieval.")] = False,
    kind: Annotated[str | None, typer.Option(help="Only questions whose type starts with this "
                                             "(TAT-QA: 'arithmetic', 'span').")] = None,
    json_out: JsonFlag = False,
    out_path: Annotated[Path | None, typer.Option("--out", help="Write the JSON here.")] = None,
    markdown_path: Annotated[Path | None, typer.Option("--markdown", help="Write the Markdown "
                                                       "report here.")] = None,
    section: Annotated[str | None, typer.Option(help="With --markdown: replace only the section "
                                                "between <!-- eval:NAME --> markers.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Measure retrieval and answers on a question set: hit@k, MRR, answer match, citations."""
    from assistant.evaluation.command import EvalOptions, run_eval

    run_eval(dataset, EvalOptions(
        docs=docs, store=store, fmt=fmt, k=k, mode=mode, baseline=baseline, judge=judge,
        limit=limit, given_docs=given_docs, kind=kind, json_out=json_out, out_path=out_path,
        markdown_path=markdown_path,
        section=section, progress=not quiet))
