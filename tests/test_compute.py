"""Computed answers: what a question asks to compute, operands found among facts, the decimal
arithmetic with its work (units, signs, scales, periods, rounding, a missing operand, a question's
own formula), the TAT-QA figure score, and the LLM given the computation over real HTTP."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from assistant.answer.compute import MissingOperand, compute
from assistant.answer.computing import ComputedAnswer, computed_passage
from assistant.answer.llm import LLMAnswerer
from assistant.answer.operands import Facts
from assistant.answer.request import read_request
from assistant.answer.work import cited_computation, row_quote
from assistant.evaluation import metrics as m
from assistant.evaluation.datasets import tatqa_document
from assistant.models import Passage
from assistant.question import Question
from ingest.facts import extract_facts
from ingest.loaders import load_documents
from tests.compute_helpers import INCOME, computed, fact
from tests.llm_helpers import apple_retriever, settings_for
from tests.openai_server import Reply, ScriptedOpenAI, prompt_of


def test_a_question_is_read_into_what_to_compute() -> None:
    growth = read_request("What was the percentage change in total net sales from 2023 to 2024?")
    assert growth is not None and growth.operation == "percent_change"
    assert growth.subjects == ("total net sales",) and growth.years == (2023, 2024)
    asked = read_request(
        "What is Acme's FY2024 gross margin? Answer in units of percents and round to one decimal place."
    )
    assert asked is not None and asked.metric is not None and asked.metric.id == "gross_margin"
    assert asked.rounding.decimals == 1 and asked.rounding.percent
    assert read_request("What does the company say about supply chain risk?") is None
    # why and how are quoted, not computed; a quarter's figure is not taken from the year's
    assert read_request("What were the main factors behind the change in gross margin in 2023?") is None
    quarter = read_request("What was Acme's operating income in Q2 2023?")
    assert quarter is not None and [str(q) for q in quarter.quarters] == ["Q2 FY2023"]
    with pytest.raises(MissingOperand):
        compute(quarter, Facts([*INCOME, fact("Operating income", 2023, "114301", item="operating_income")]))
    assert read_request("In Q1 2023, how did operating expenses measure up against revenue?") is None


def test_change_and_growth_are_later_minus_earlier_with_their_work() -> None:
    assert computed("What was the change in total net sales from 2023 to 2024?") == (
        "$7,750 million",
        "391,035 \u2212 383,285",
    )
    assert computed("What was the percentage change in total net sales between 2023 and 2024?") == (
        "2.02%",
        "(391,035 \u2212 383,285) / 383,285",
    )
    assert (
        computed(
            "What was the percentage change in total net sales between 2023 and 2024? Round to "
            "one decimal place."
        )[0]
        == "2.0%"
    )


def test_negative_figures_keep_their_sign_and_outflows_count_as_magnitudes_in_metrics() -> None:
    # (269) against (565): the change is +296, computed on the signed figures
    assert computed("What was the change in other income (expense), net from 2023 to 2024?") == (
        "$296 million",
        "(-269) \u2212 (-565)",
    )
    # capex is printed as an outflow; the vocabulary's capex is its magnitude
    assert computed("What was the capex in FY2024?") == ("$9,447 million", "9,447")
    # a figure asked for by itself is the row the question names, not the vocabulary's nearest item
    with pytest.raises(MissingOperand):
        computed("What was the LinkedIn capex in FY2024?")


def test_a_metric_uses_prior_periods_and_the_questions_own_definition_wins() -> None:
    builtin, work = computed("What is Acme's FY2024 inventory turnover ratio?")
    assert builtin == "30.90" and work == "210,352 / ((7,286 + 6,331) / 2)"
    own, own_work = computed(
        "What is Acme's FY2024 inventory turnover? Inventory turnover is defined as: "
        "FY2024 COGS / FY2024 inventory. Round your answer to two decimal places."
    )
    assert own == "28.87" and own_work == "210,352 / 7,286"


def test_a_missing_operand_is_named_not_guessed() -> None:
    request = read_request("What is Acme's FY2024 inventory turnover ratio?")
    assert request is not None
    with pytest.raises(MissingOperand, match="inventories for FY2023"):
        compute(
            request,
            Facts([f for f in INCOME if not (f.line_item_id == "inventory" and f.fiscal_period == "FY2023")]),
        )
    with pytest.raises(MissingOperand, match="widgets for 2024"):
        compute(read_request("What was the change in widgets from 2023 to 2024?"), Facts(INCOME))  # type: ignore[arg-type]


def test_each_operand_is_cited_by_the_table_row_that_holds_it() -> None:
    chunk = (
        "In millions | 2024 | 2023\nTotal net sales | 2024: 391035 | 2023: 383285\n"
        "Cost of sales | 2024: 210352 | 2023: 214137"
    )
    request = read_request("What was the percentage change in total net sales between 2023 and 2024?")
    assert request is not None
    result = compute(request, Facts(INCOME))
    passage = Passage(
        rank=1, score=1.0, chunk_id="c1", doc_id="d1", title="Acme 10-K", source="/a.htm", text=chunk
    )
    computation, citations = cited_computation(result, [passage])
    assert [c.quote for c in citations] == ["Total net sales | 2024: 391035 | 2023: 383285"]
    assert all(o.n == 1 and o.text in citations[0].quote for o in computation.operands)
    assert computation.line() == (
        "Percentage change in total net sales, 2023 to 2024: 2.02% = (391,035 \u2212 383,285) / 383,285 [1]"
    )
    assert row_quote(INCOME[2], chunk) == "Cost of sales | 2024: 210352 | 2023: 214137"


def test_an_operand_is_quoted_by_its_own_row_not_one_whose_label_or_figure_contains_it() -> None:
    """A label inside another row's label ("Parts" in "Services (excluding Parts)"), a figure inside
    another figure ("1" in "12") and a label repeated under two group rows: the quote is the row
    that states the operand, so the reader finds it there."""
    chunk = (
        "|  | 2019 | 2018 | 2017 |\n|---|---|---|---|\n| Europe |  |  |  |\n"
        "| Services (excluding Parts) | 49 | 3 | 12 |\n| Parts | 3 | 1 | 3 |\n"
        "| Asia |  |  |  |\n| Parts | — | 0 | 1 |\n| Total | 52 | 4 | 16 |"
    )
    europe = replace(fact("Parts", 2018, "1", scale=None), parents=("Europe",))
    asia = replace(fact("Parts", 2017, "1", scale=None), parents=("Asia",))
    assert row_quote(europe, chunk) == "| Parts | 3 | 1 | 3 |"
    assert row_quote(asia, chunk) == "| Parts | — | 0 | 1 |"
    assert row_quote(fact("Total", 2017, "16", scale=None), chunk) == "| Total | 52 | 4 | 16 |"


def test_a_markdown_note_table_gives_facts_that_answer(tmp_path: Path) -> None:
    context = {
        "table": {
            "table": [
                ["", "Years Ended September 30,", ""],
                ["", "2019", "2018"],
                ["", "(in millions)", ""],
                ["Fixed Price", "$ 1,452.4", "$ 1,146.2"],
                ["Other", "44.1", "(56.7)"],
            ]
        },
        "paragraphs": [{"order": 1, "text": "Sales by contract type."}],
    }
    text = tatqa_document(context)
    assert "| Fixed Price | $ 1,452.4 | $ 1,146.2 |" in text and "|---|---|---|" in text
    path = tmp_path / "note.md"
    path.write_text(text, encoding="utf-8")
    doc = load_documents(str(path))[0]
    facts = extract_facts(doc, [])
    assert {(f.line_item, f.fiscal_period, str(f.value)) for f in facts} >= {("Other", "FY2018", "-56.7")}
    result, work = computed("What is the change in Other in 2019 from 2018?", facts)
    assert result == "$100.8 million" and work == "44.1 \u2212 (-56.7)"


def test_the_figure_score_checks_sign_rounding_and_scale() -> None:
    gold = m.single_figure(["-12.6 million"])
    assert gold is not None and gold.power == 6
    assert m.figure_match(gold, m.signed_figures("-12.60 million")[0])
    assert not m.figure_match(gold, m.signed_figures("12.6 million")[0])  # the sign counts
    assert not m.figure_match(gold, m.signed_figures("-12.6")[0])  # the scale counts...
    assert m.figure_match(gold, m.signed_figures("-12.6")[0], scale=False)  # ...unless set aside
    assert m.figure_match(gold, m.signed_figures("-12,600 thousand")[0])
    percent = m.single_figure(["-6.7%"])
    assert percent is not None and m.figure_match(percent, m.signed_figures("-6.70%")[0])
    assert not m.figure_match(percent, m.signed_figures("-6.8%")[0])
    assert m.single_figure(["Corporate. Its net revenue was -$473 million."]) is None


def computed_evidence(question: str) -> ComputedAnswer:
    request = read_request(question)
    assert request is not None
    result = compute(request, Facts(INCOME))
    computation, citations = cited_computation(result, [])
    return ComputedAnswer(computation, citations, [])


def test_the_llm_may_state_dossiers_computed_figure_and_no_other(openai_server: ScriptedOpenAI) -> None:
    question = "What was the percentage change in total net sales between 2023 and 2024?"
    evidence = computed_evidence(question)
    assert evidence.computation is not None
    n = 5  # four retrieved passages, then the computation
    openai_server.script(Reply(f"Net sales grew 2.02% [{n}]. Gross margin was 46.2% [{n}]."))
    llm = LLMAnswerer.from_settings(
        settings_for(openai_server), apple_retriever(), compute=lambda q: evidence
    )
    answer = llm.answer(Question(question))
    prompt = prompt_of(openai_server.requests[-1])
    assert f'<passage n="{n}" source="Computed by Dossier">' in prompt
    assert "2.02% = (391,035" in prompt
    assert [c.status for c in answer.claims] == ["supported", "unsupported"]
    assert answer.claims[1].unsupported_numbers == ["46.2%"]  # derived by the model: not Dossier's
    assert answer.computation is not None and answer.computation.result == "2.02%"
    assert answer.citations[0].doc_id == computed_passage(evidence.computation).doc_id


def test_the_chat_shows_the_work_in_its_own_box() -> None:
    from assistant.answer.computing import computed_answer
    from assistant.ui.render import answer_markdown

    evidence = computed_evidence("What was the change in total net sales from 2023 to 2024?")
    html = answer_markdown(computed_answer("q", evidence, []), 1)
    assert '<div class="work-box">' in html and "<strong>$7,750 million</strong>" in html
    assert html.count("<li>Total net sales") == 2


def test_figures_backed_counts_the_computation_but_not_an_operand_without_its_quote() -> None:
    from assistant.answer.computing import computed_answer

    evidence = computed_evidence("What is the average total net sales for 2023 and 2024?")
    answer = computed_answer("q", evidence, [])
    assert answer.answer.startswith("Average total net sales, 2023, 2024: $387,160 million")
    # no quote holds the operands here (no passages were given): only Dossier's own figures count
    share = m.numbers_supported(answer)
    assert share is not None and 0 < share < 1
