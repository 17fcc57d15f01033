"""What the offline answer may quote: whole sentences and table rows, never fragments, headings
or page furniture (assistant/answer/quotable.py)."""

from __future__ import annotations

import pytest

from assistant.answer import quotable
from assistant.answer.quotable import continues_before, is_furniture, is_heading, is_table_row, quotable_spans


def _quotes(text: str, continues: bool = False) -> list[str]:
    return [text[s:e] for s, e in quotable_spans(text, continues=continues)]


def test_a_sentence_wrapped_before_a_capital_is_quoted_whole() -> None:
    text = ("Shares outstanding totaled 10.5 billion and 10.6 billion as of December 31, 2021 and\n"
            "September 30, 2022. These totals include all vested awards.")
    assert _quotes(text) == [
        "Shares outstanding totaled 10.5 billion and 10.6 billion as of December 31, 2021 and\n"
        "September 30, 2022.",
        "These totals include all vested awards.",
    ]


def test_a_title_line_whose_blank_line_was_lost_is_not_glued_to_the_sentence_after_it() -> None:
    text = ("Quayside Pumps Inc. quarterly report\n"
            "In the quarter Quayside Pumps opened fourteen new pumping stations\n"
            "across three coastal states, raising its capacity by a fifth.")
    assert _quotes(text) == [
        "In the quarter Quayside Pumps opened fourteen new pumping stations\n"
        "across three coastal states, raising its capacity by a fifth.",
    ]


def test_a_sentence_cut_at_the_end_of_the_passage_is_left_out() -> None:
    text = "Net sales rose 8% in the quarter. The increase was driven by higher sales of"
    assert _quotes(text) == ["Net sales rose 8% in the quarter."]


def test_the_tail_of_a_sentence_cut_before_the_passage_is_left_out() -> None:
    text = "Apple Watch and AirPods. Services net sales grew 8%."
    assert _quotes(text, continues=True) == ["Services net sales grew 8%."]
    assert _quotes("due to higher sales of Mac. Services net sales grew 8%.") == [
        "Services net sales grew 8%."]  # a lower-case start is a tail too


def test_a_page_break_inside_a_sentence_leaves_both_parts_out() -> None:
    document = "Net sales increased due to higher sales of\n\nApple Watch and AirPods. Next one."
    start = document.index("Apple Watch")
    assert continues_before(document, start)
    assert continues_before("Net sales increased due to\nApple Watch sales.", 27)
    assert not continues_before("Net sales (in millions)\n\nNew paragraph.", 25)
    assert not continues_before("A whole sentence.\nNext.", 18)
    assert not continues_before("Results of Operations\nNet sales rose.", 22)  # after a heading


def test_table_rows_are_quoted_whole_and_headings_are_not_glued_to_sentences() -> None:
    text = ("Results of Operations\n"
            "Net sales | Three Months Ended July 1, 2023: $81,797 | June 25, 2022: $82,959\n"
            "Total net sales 81,797 82,959 (1)%\n"
            "Services net sales grew 8%.")
    assert _quotes(text) == [
        "Net sales | Three Months Ended July 1, 2023: $81,797 | June 25, 2022: $82,959",
        "Total net sales 81,797 82,959 (1)%",
        "Services net sales grew 8%.",
    ]


def test_a_row_of_figures_laid_out_as_text_is_not_glued_to_the_next_sentence() -> None:
    text = "As a percent of revenue 13% 12% 1ppt\nResearch and development expenses include payroll."
    assert _quotes(text) == ["Research and development expenses include payroll."]


def test_a_paragraph_without_its_full_stop_is_whole_only_where_no_page_break_can_cut_it() -> None:
    text = ("As of December 31, 2019, 253,203 shares had vested, subject to service requirements\n\n"
            "Total net sales rose 5% in the year")
    first = "As of December 31, 2019, 253,203 shares had vested, subject to service requirements"
    assert _quotes(text) == []  # a PDF's page, or the document unknown
    assert [text[s:e] for s, e in quotable_spans(text, paragraph_end="\n\nNext.")] == [
        first, "Total net sales rose 5% in the year"]
    # the passage stops inside its paragraph: its last sentence is cut
    assert [text[s:e] for s, e in quotable_spans(text, paragraph_end=" and more")] == [first]
    lead_in = "The following table sets forth our net sales (in thousands):"
    assert quotable_spans(lead_in, paragraph_end="\n\n| Net sales | 1,200 |") == []
    assert quotable_spans("Tax rose, compared to a benefit of $2.1 billion,", paragraph_end="") == []


def test_list_items_and_lead_ins() -> None:
    text = "Risks include the following:\n• competition in every market;\n• New laws may apply."
    assert _quotes(text) == ["• competition in every market;", "• New laws may apply."]
    assert _quotes("• Pricing pressure from competitors;") == ["• Pricing pressure from competitors;"]


@pytest.mark.parametrize("line, heading", [
    ("# Harbor Logistics", True),
    ("Results of Operations", True),
    ("RISK FACTORS", True),
    ("Harbor Logistics moved 5,120 pallets in May.", False),
    ("Net sales increased due to higher sales of", False),
    ("Net sales | 2023: 81,797 | 2022: 82,959", False),
])
def test_a_heading_is_told_from_text(line: str, heading: bool) -> None:
    assert is_heading(line) is heading


@pytest.mark.parametrize("line, furniture", [
    ("4", True),
    ("Apple Inc. | Q3 2023 Form 10-Q | 4", True),
    ("Annual Report on Form 10-K", True),
    ("Apple Inc.", True),
    ("Q3 2023 Form 10-Q", True),
    ("Apple Inc. reported net sales of $81.8 billion in the quarter.", False),
    ("Net sales | 2023: 81,797 | 2022: 82,959", False),
])
def test_page_furniture_is_told_from_content(line: str, furniture: bool) -> None:
    assert is_furniture(line, ["Apple Inc."]) is furniture


def test_rows_of_figures_and_rows_of_cells() -> None:
    assert is_table_row("Revenue | 1,234 | 1,100")
    assert is_table_row("Total net sales $ 81,797 $ 82,959")
    assert not is_table_row("September 30, 2022.")  # a date, not a row of figures
    assert not is_table_row("Apple Inc. | Q3 2023 Form 10-Q | 4")  # a running footer


@pytest.mark.parametrize(("sentence", "pointer"), [
    ("See accompanying Notes to Condensed Consolidated Financial Statements.", True),
    ("Refer to Note 14 – Contingencies of the Notes to Financial Statements for information "
     "regarding legal proceedings in which we are involved.", True),
    ("For additional information, see Item 8 of Part II, “Financial Statements”.", True),
    ("Also refer to Item 3, “Legal Proceedings” in our Annual Report on Form 10-K.", True),
    ("Interest expense was $617 million during Q3 2022, see also Note 5.", False),
    ("Seasonal demand drove a 5% increase in net sales.", False),
    # a subject, then only where it is told: nothing is stated here
    ("The impact of foreign currency transactions related to foreign exchange rate risk is "
     "described in Part II, Item 7A, “Quantitative and Qualitative Disclosures About Market Risk” "
     "in our Annual Report on Form 10-K for the fiscal year ended January 29, 2023.", True),
    ("Our legal proceedings are discussed in Note 14 – Contingencies.", True),
    ("For a discussion of the Company’s exposure to market risk, refer to the Company’s market risk "
     "disclosures set forth in Part II, Item 7A of the 2022 Form 10-K.", True),
    # a statement that also points elsewhere stays a statement
    ("Interest expense was $617 million, as described in Note 5.", False),
    ("Net sales grew 5% and the drivers are described in Note 3.", False),
    ("Our legal proceedings are described in Note 14, and we believe none will have a material "
     "adverse effect on our results.", False),
    ("Purchasing our common stock involves investment risks including the risks described in "
     "Item 1A of our Annual Report on Form 10-K.", False),
    ("For a discussion of our results, revenue increased 5%.", False),
])
def test_a_sentence_that_points_elsewhere_is_a_cross_reference(sentence: str, pointer: bool) -> None:
    assert quotable.is_cross_reference(sentence) is pointer


@pytest.mark.parametrize(("line", "exhibit"), [
    # rows of the exhibit index of 10-Q filings (Item 6. Exhibits)
    ("31.1 Certification of Chief Executive Officer Pursuant to Section 302 of the Sarbanes-Oxley "
     "Act of 2002", True),
    ("32.1** Certification of Chief Executive Officer Pursuant to Section 906 of the Sarbanes-Oxley "
     "Act of 2002", True),
    ("101.INS Inline XBRL Instance Document–the instance document does not appear in the "
     "Interactive Data File as its XBRL tags are embedded within the Inline XBRL document", True),
    ("101.SCH Inline XBRL Taxonomy Extension Schema", True),
    ("10.28* Form of Stock Award Agreement Under the Microsoft Corporation 2017 Stock Plan", True),
    ("3.1 Amended and Restated Certificate of Incorporation of the Company (incorporated by "
     "reference to the Company’s Current Report on Form 8-K, filed May 27, 2022).", True),
    ("101* Inline XBRL Document Set for the condensed consolidated financial statements and "
     "accompanying notes in Part I, Item 1, “Financial Statements” of this Quarterly Report on "
     "Form 10-Q.", True),
    ("104 Cover page formatted as Inline XBRL and contained in Exhibit 101", True),
    # text that starts with a figure is not an exhibit row
    ("3.1 million customers joined the program in the quarter.", False),
    ("101 Hudson Street is the address of our principal office.", False),
    ("2023 Compared to 2022: net sales decreased 3%.", False),
    ("1. Summary of Significant Accounting Policies", False),
    ("Total net sales 81,797 82,959", False),
])
def test_a_row_of_the_exhibit_index_is_told_from_text(line: str, exhibit: bool) -> None:
    assert quotable.is_exhibit_row(line) is exhibit


def test_the_rows_of_an_exhibit_index_are_not_quoted() -> None:
    text = ("Item 6. Exhibits\n"
            "31.1 Certification of Chief Executive Officer Pursuant to Section 302 of the "
            "Sarbanes-Oxley Act of 2002.\n"
            "101.CAL Inline XBRL Taxonomy Extension Calculation Linkbase.\n"
            "Items 3, 4, and 5 are not applicable and have been omitted.")
    assert _quotes(text) == ["Items 3, 4, and 5 are not applicable and have been omitted."]


@pytest.mark.parametrize(("line", "contents"), [
    ("Item 3. Quantitative and Qualitative Disclosures About Market Risk | 35", True),
    ("Item 1A. Risk Factors | 38", True),
    ("Part II | Other Information | 40", True),
    ("Item 1. Legal Proceedings | Pages 19 - 22", True),
    ("Item 2. Properties | Page 43", True),
    ("Item 7. Management's discussion | 2023: 4,120 | 2022: 3,900", False),  # figures, not pages
    ("Total net sales | 81,797 | 82,959", False),
    ("Item 1A of our Annual Report describes the risks we face.", False),
])
def test_a_row_of_the_table_of_contents_is_told_from_a_row_of_figures(line: str, contents: bool) -> None:
    assert quotable.is_contents_row(line) is contents


def test_the_rows_of_a_table_of_contents_are_not_quoted() -> None:
    text = ("Item 3. Quantitative and Qualitative Disclosures About Market Risk | 35\n"
            "Item 4. Controls and Procedures | 36\n\n"
            "There have been no material changes to our market risk during the quarter.")
    assert _quotes(text) == ["There have been no material changes to our market risk during the quarter."]
