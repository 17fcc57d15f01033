"""`dossier eval`: the four question-set readers, the scoring, and whole runs through the CLI on
tiny fixtures (tests/fixtures/eval/) over documents already in tests/fixtures."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.config import Settings
from assistant.evaluation import metrics as m
from assistant.evaluation import report
from assistant.evaluation.datasets import DatasetError, GoldSource, read_dataset
from assistant.evaluation.judge import LLMJudge
from assistant.evaluation.runner import Row, store_for
from assistant.models import Answer, Citation, Passage
from tests.conftest import FIXTURES

EVAL = FIXTURES / "eval"
AAPL = "AAPL_10-Q_2023-Q2.pdf"
BABA = "alibaba-ai-investment-2025.txt"


# readers -------------------------------------------------------------------------------------
def test_financebench_pages_become_one_based() -> None:
    data = read_dataset(EVAL / "financebench.jsonl")
    assert data.format == "financebench"
    first = data.items[0]
    assert first.id == "fb-aapl-sales" and first.answers == ["$94,836 million"]
    assert first.sources == [GoldSource("AAPL_10-Q_2023-Q2", 4)]  # evidence_page_num 3, 0-based


def test_docugami_source_docs_are_globs() -> None:
    data = read_dataset(EVAL / "docugami.csv")
    assert data.format == "docugami" and len(data.items) == 3
    assert data.items[1].sources == [GoldSource("*AAPL*")]
    assert m.doc_matches(f"/x/{AAPL}", "*AAPL*") and not m.doc_matches(f"/x/{BABA}", "*AAPL*")


def test_tatqa_contexts_become_documents() -> None:
    data = read_dataset(EVAL / "tatqa.json")
    assert data.format == "tatqa" and len(data.documents) == 2 and len(data.items) == 5
    name = "tatqa-3ffd9053-a45d-491c-957a-1b2fa0af0570.md"
    assert "| Total sales | $1,496.5 | $1,202.9 | $1,107.7 |" in data.documents[name]  # a Markdown table
    arithmetic = next(i for i in data.items if i.kind.startswith("arithmetic"))
    assert arithmetic.answers == ["-12.6 million"]  # the scale joins the number
    assert all(i.sources[0].doc.startswith("tatqa-") for i in data.items)


def test_simple_sources_take_names_and_pages() -> None:
    data = read_dataset(EVAL / "simple.jsonl")
    assert data.format == "simple"
    assert data.items[0].sources == [GoldSource(BABA)]
    assert data.items[1].sources == [GoldSource(AAPL, 4)]
    assert data.items[2].sources == [] and data.items[2].answers == []


@pytest.mark.parametrize(("name", "text", "message"), [
    ("bad.jsonl", '{"question": "q", "answer": "a", "sources": []}\nnot json\n', "line 2 is not valid JSON"),
    ("noq.jsonl", '{"answer": "a", "sources": []}\n', "line 1 has no 'question'"),
    ("bad.csv", "Q,A\nx,y\n", "needs the columns Question, Source Docs"),
    ("bad.txt", "hello", "unknown question-set format '.txt'"),
])
def test_bad_question_sets_name_the_file_and_the_problem(tmp_path: Path, name: str, text: str,
                                                         message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(DatasetError) as err:
        read_dataset(path)
    assert str(path) in str(err.value) and message in str(err.value)


# scoring -------------------------------------------------------------------------------------
def test_numbers_normalise() -> None:
    def same(a: str, b: str) -> bool:
        (x,), (y,) = m.parse_numbers(a), m.parse_numbers(b)
        return m.numbers_equal(x, y)

    assert same("1,577", "1577.0") and same("1577.0", "$1.6 billion") and same("1,577", "$1.6 billion")
    assert same("$1,577 million", "$1.6 billion") and same("25%", "25 percent")
    assert not same("2019", "2018") and not same("3", "3,000") and not same("$1,577 million", "$2 billion")
    assert [n.value for n in m.parse_numbers("grew 18% [3] (ref. 2)")] == [18.0]  # markers are no figures


def test_answer_match_short_and_long() -> None:
    assert m.answer_match(["$1,496.5 million"], "Total sales | $1,496.5 | $1,202.9") is True
    assert m.answer_match(["fixed-price type", "cost-plus type"], "fixed-price type and cost-plus type")
    assert m.answer_match(["fixed-price type", "cost-plus type"], "only fixed-price type") is False
    assert m.answer_match(["word " * 40], "anything") is None  # long gold: only a judge scores it
    assert m.answer_match(["No, none were reported in 2023."], "Apple Inc. | Q2 2023 Form 10-Q") is False
    assert m.answer_match(["2019"], "the largest was in 2019") is True  # a year, by its text
    recall = m.gold_number_recall(["rose from $10 to $12 and $14"], "it was $12 then $14")
    assert recall == pytest.approx(2 / 3)


def test_ranks_use_one_based_pages() -> None:
    hits = [m.Hit(f"/d/{BABA}"), m.Hit(f"/d/{AAPL}", 5), m.Hit(f"/d/{AAPL}", 4)]
    gold = [GoldSource("AAPL_10-Q_2023-Q2", 4)]
    assert m.first_doc_rank(hits, gold) == 2 and m.first_page_rank(hits, gold) == 3
    assert m.first_page_rank(hits, [GoldSource(AAPL, 3)]) is None
    summary = report.ranking([1, 3, None, 10])
    assert summary["hit@1"] == 0.25 and summary["hit@5"] == 0.5 and summary["hit@10"] == 0.75
    assert summary["mrr"] == pytest.approx((1 + 1 / 3 + 0 + 0.1) / 4, abs=1e-4)


def _passage(text: str) -> Passage:
    return Passage(rank=1, score=1.0, chunk_id="c1", doc_id="d1", title="t", source="s", text=text)


def _citation(n: int, quote: str) -> Citation:
    return Citation(n=n, chunk_id="c1", doc_id="d1", title="t", source="s", quote=quote)


def test_citation_checks() -> None:
    passage = _passage("Net sales were $94,836 million.   Gross margin was $41,976 million.")
    answer = Answer(question="q", answer="Net sales were $94,836 million [1] and $99 [2]",
                    cannot_answer=False, mode="extractive", passages=[passage],
                    citations=[_citation(1, "Net sales were $94,836 million."),
                               _citation(2, "Gross margin was $41,977 million.")])
    assert m.citation_validity(answer, {}) == 0.5  # the second quote is not in the passage
    assert m.citation_validity(answer, {"d1": "Gross margin was $41,977 million."}) == 1.0
    assert m.numbers_supported(answer) == 0.5  # $99 is in no quote


def test_store_is_keyed_by_the_docs_folder(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert store_for(tmp_path / "a", cache) == store_for(tmp_path / "a" / ".." / "a", cache)
    assert store_for(tmp_path / "a", cache) != store_for(tmp_path / "b", cache)
    assert store_for(tmp_path / "a", cache).is_relative_to(cache)


def test_judge_reads_the_models_verdict() -> None:
    class Fake:
        def __init__(self, reply: str) -> None:
            self.reply = reply
            self.chat = self
            self.completions = self

        def create(self, **kwargs: Any) -> Any:
            assert "Reference answer: 380 billion yuan" in kwargs["messages"][0]["content"]
            message = type("M", (), {"content": self.reply})
            return type("R", (), {"choices": [type("C", (), {"message": message})]})

    settings = Settings(llm={"model": "m", "base_url": "http://127.0.0.1:9"})
    assert LLMJudge(settings, Fake("CORRECT"))("q", "380 billion yuan", "a") is True
    assert LLMJudge(settings, Fake("INCORRECT."))("q", "380 billion yuan", "a") is False
    assert LLMJudge(settings, Fake("maybe"))("q", "380 billion yuan", "a") is None
    assert LLMJudge(settings, Fake("CORRECT")).label == "LLM judge (m)"


def test_markdown_has_both_pipelines_side_by_side() -> None:
    row = Row("1", "q", "", "a", ["x"], [], doc_rank=1, answer="a", mode="extractive",
              answer_match=True, answer_ms=10, search_ms=5, baseline_doc_rank=2, baseline_ms=7)
    md = report.markdown(report.summarize([row]), [row], title="t", k=10)
    assert "| Dossier | 1.000 | 1.000 | 1.000 | 1.000 |" in md
    assert "| plain LangChain + Chroma | 0.000 | 1.000 | 1.000 | 0.500 |" in md


def test_a_share_short_of_whole_is_never_shown_as_whole() -> None:
    """One unbacked figure in 3,000 (0.9997) must not read "1.000" in the report."""
    rows = [Row(str(i), "q", "", "a", ["x"], [], answer="a", mode="extractive",
                numbers_supported=1.0, citation_validity=1.0) for i in range(3)]
    rows[0].numbers_supported = 0.999
    table = "\n".join(report.answer_table(report.summarize(rows)))
    assert "0.9997" in table and "| 1.000 |" in table  # figures backed; citations still whole


def test_write_section_keeps_the_rest(tmp_path: Path) -> None:
    doc = tmp_path / "evaluation.md"
    doc.write_text("# Evaluation\n\n<!-- bench:retrieval_dev -->\nkeep\n<!-- /bench:retrieval_dev -->\n")
    report.write_section(doc, "docugami", "first")
    report.write_section(doc, "docugami", "second")
    text = doc.read_text()
    assert "keep" in text and "second" in text and "first" not in text
    assert text.count("<!-- eval:docugami -->") == 1


# CLI errors, in process ----------------------------------------------------------------------
def test_baseline_without_the_bench_extra_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "langchain_chroma", None)  # import fails as if not installed
    result = CliRunner().invoke(app, ["eval", str(EVAL / "simple.jsonl"), "--baseline"])
    assert result.exit_code == 2
    assert "pip install -e '.[bench]'" in result.output and "Traceback" not in result.output


def test_judge_without_an_endpoint_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "DOSSIER_LLM_MODEL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env
    result = CliRunner().invoke(app, ["eval", str(EVAL / "simple.jsonl"), "--judge"])
    assert result.exit_code == 2 and "--judge needs an LLM endpoint" in result.output


def test_unknown_mode_is_refused_before_any_work(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", str(EVAL / "simple.jsonl"), "--mode", "oracle",
                                      "--docs", str(tmp_path), "--store", str(tmp_path / "s")])
    assert result.exit_code == 2 and "--mode: unknown answer mode 'oracle'" in result.output
    assert not (tmp_path / "s").exists()


# whole runs through the CLI --------------------------------------------------------------------
def dossier_eval(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    return subprocess.run([sys.executable, "-m", "assistant.cli", "eval", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("eval")
    (work / "docs").mkdir()
    shutil.copy(FIXTURES / AAPL, work / "docs")
    shutil.copy(FIXTURES / BABA, work / "docs")
    return work


def run_json(workdir: Path, store: Path, dataset: str, *extra: str) -> tuple[dict[str, Any], str]:
    out = store.parent / f"{dataset}.json"
    result = dossier_eval(str(EVAL / dataset), "--docs", str(workdir / "docs"), "--store",
                          str(store), "--out", str(out), *extra, cwd=workdir)
    assert result.returncode == 0, result.stderr
    return json.loads(out.read_text()), " ".join(result.stderr.split())


@pytest.fixture(scope="module")
def simple_run(workdir: Path) -> tuple[dict[str, Any], str]:
    """The simple set with the baseline, run once: it builds both stores in workdir/built."""
    (workdir / "built").mkdir()
    return run_json(workdir, workdir / "built" / "store", "simple.jsonl", "--baseline",
                    "--markdown", str(workdir / "simple.md"))


@pytest.fixture
def store(simple_run: object, workdir: Path, tmp_path: Path) -> Path:
    """This test's own copy of the stores the simple run built."""
    return Path(shutil.copytree(workdir / "built" / "store", tmp_path / "store",
                                ignore=shutil.ignore_patterns("writer.lock")))


def first(retrieved: list[str], label: str) -> int | None:
    """1-based rank of the first retrieved passage labelled `label` ("file p. N")."""
    return next((i for i, h in enumerate(retrieved, 1) if h == label), None)


def by_id(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in payload["rows"]}


@pytest.mark.slow
def test_simple_set_with_the_baseline(simple_run: tuple[dict[str, Any], str], workdir: Path,
                                      store: Path) -> None:
    payload, stderr = simple_run
    assert "2 added" in stderr
    rows, summary = by_id(payload), payload["summary"]
    assert rows["1"]["doc_rank"] == 1 and rows["1"]["answer_match"] is True  # $53 billion quoted
    assert rows["1"]["citation_validity"] == 1.0 and rows["1"]["numbers_supported"] == 1.0
    assert rows["2"]["doc_rank"] == 1
    assert rows["2"]["page_rank"] == first(rows["2"]["retrieved"], f"{AAPL} p. 4")  # 1-based pages
    assert rows["2"]["baseline_page_rank"] == first(rows["2"]["baseline_retrieved"], f"{AAPL} p. 4")
    assert all(h.startswith(AAPL) for h in rows["2"]["retrieved"])
    assert rows["3"]["cannot_answer"] is True and rows["3"]["doc_rank"] is None
    assert summary["dossier"]["doc"] == {"n": 2, "hit@1": 1.0, "hit@5": 1.0, "hit@10": 1.0, "mrr": 1.0}
    assert summary["dossier"]["cannot_answer_rate"] == pytest.approx(1 / 3, abs=1e-3)
    assert summary["dossier"]["modes"] == ["extractive"]
    assert summary["baseline"]["doc"]["hit@10"] == 1.0 and rows["1"]["baseline_doc_rank"] == 1
    assert payload["baseline"]["chunks"] > 0
    md = (workdir / "simple.md").read_text()
    assert "| plain LangChain + Chroma |" in md and "Per question" in md

    again, stderr = run_json(workdir, store, "simple.jsonl", "--baseline")  # both stores reused
    assert "0 added, 2 unchanged" in stderr and "reused" in stderr
    assert by_id(again)["1"]["doc_rank"] == 1


@pytest.mark.slow
def test_financebench_page_hits(workdir: Path, store: Path) -> None:
    payload, _ = run_json(workdir, store, "financebench.jsonl", "--json")
    rows = by_id(payload)
    sales = rows["fb-aapl-sales"]
    assert sales["gold_pages"] == ["AAPL_10-Q_2023-Q2 p. 4"] and sales["doc_rank"] == 1
    assert sales["page_rank"] == first(sales["retrieved"], f"{AAPL} p. 4")  # evidence_page_num 3
    baba = rows["fb-baba-capex"]
    assert baba["doc_rank"] == 1 and baba["answer_match"] is True
    assert baba["page_rank"] is None  # a text file has no pages: never a page hit
    page = payload["summary"]["dossier"]["page"]
    assert page["n"] == 2 and page["hit@10"] == (0.5 if sales["page_rank"] else 0.0)


@pytest.mark.slow
def test_docugami_csv_and_section(workdir: Path, store: Path) -> None:
    doc = store.parent / "evaluation.md"
    doc.write_text("# Evaluation\n")
    payload, _ = run_json(workdir, store, "docugami.csv", "--markdown", str(doc), "--section",
                          "docugami")
    rows = by_id(payload)
    assert rows["2"]["doc_rank"] == 1 and rows["2"]["answer_match"] is True  # the "*alibaba*" glob
    assert rows["4"]["answer_match"] is None  # a long gold answer is not scored offline
    text = doc.read_text()
    assert "<!-- eval:docugami -->" in text and "docugami (3 questions)" in text
    assert "Per question" not in text


@pytest.mark.slow
def test_tatqa_brings_its_own_documents(workdir: Path, tmp_path: Path) -> None:
    result = dossier_eval(str(EVAL / "tatqa.json"), "--docs", str(workdir / "docs"), cwd=workdir)
    assert result.returncode == 2 and "carries its own documents" in " ".join(result.stderr.split())
    out = tmp_path / "tatqa-out.json"
    result = dossier_eval(str(EVAL / "tatqa.json"), "--store", str(tmp_path / "tatqa-store"),
                          "--out", str(out), cwd=workdir)
    assert result.returncode == 0, result.stderr
    payload = json.loads(out.read_text())
    assert payload["summary"]["dossier"]["doc"]["hit@5"] == 1.0  # two documents, both ranked
    rows = {r["question"]: r for r in payload["rows"]}
    paid = rows["What is the company paid on a cost-plus type contract?"]
    assert paid["doc_rank"] == 1 and paid["answer_match"] is True
    sales = rows["What is the amount of total sales in 2019?"]  # gold "$1,496.5 million"
    assert sales["answer_match"] is True and "$1,496.5" in sales["answer"]  # the table's figure


@pytest.mark.slow
def test_given_docs_answers_within_the_gold_document_and_scores_the_figure(tmp_path: Path,
                                                                           workdir: Path) -> None:
    out = tmp_path / "given.json"
    result = dossier_eval(str(EVAL / "tatqa.json"), "--store", str(tmp_path / "given-store"),
                          "--given-docs", "--kind", "arithmetic", "--out", str(out), cwd=workdir)
    assert result.returncode == 0, result.stderr
    payload = json.loads(out.read_text())
    assert payload["given_docs"] is True and len(payload["rows"]) == 1
    row = payload["rows"][0]  # "What is the change in Other in 2019 from 2018?", gold -12.6 million
    assert row["retrieved"] and all(r.startswith(row["gold_docs"][0]) for r in row["retrieved"])
    assert row["figure_right"] is True and "= 44.1 \u2212 56.7" in row["answer"]
