"""Answer-format instructions taken out of a question before it is searched.

FinanceBench-style questions carry sentences about the answer rather than the filing: "Answer in
USD millions.", "Round your answer to two decimal places.", "Answer the following question as if
you are an equity research analyst...", "Please base your judgments on the information provided
primarily in the balance sheet." In the query vector they only dilute what is asked. A sentence
is dropped when it asks no question and is an instruction: it opens with an imperative about
answering (answer, round, give, provide, respond, base, calculate, compute, please...) or speaks
of units, decimal places or the answerer's perspective. The statements such a sentence names are
read from the question as asked (assistant/finance_hints.py), so the hint is kept, not lost.
Definitions ("ROA is defined as ...", "Define EBITDA as ...") stay: they name line items.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z\"“(])")
_IMPERATIVE = re.compile(
    r"^(?:please\s+)?(?:answer|round|give|provide|respond|base|basing|calculate|compute|state|"
    r"express|show|report|present|use|utili[sz]e|rely|assume|keep|make\s+sure|be\s+sure|"
    r"do\s+not|don't|we\s+need\s+to\s+calculate)\b",
    re.IGNORECASE,
)
_ABOUT_THE_ANSWER = re.compile(
    r"\bdecimal\s+places?\b|\bin\s+units\s+of\b|\b(?:USD|US\$|\$)\s*(?:millions|billions|thousands)\b|"
    r"\bas\s+if\s+you\s+(?:are|were)\b|\bperspective\s+of\b|\bplease\b",
    re.IGNORECASE,
)


def is_instruction(sentence: str) -> bool:
    """A sentence about how to answer, not about what is asked."""
    sentence = sentence.strip()
    if not sentence or sentence.endswith("?"):
        return False
    return bool(_IMPERATIVE.match(sentence) or _ABOUT_THE_ANSWER.search(sentence))


def strip_instructions(text: str) -> str:
    """`text` without its instruction sentences; `text` itself when nothing else would be left."""
    sentences = _SENTENCE_END.split(text.strip())
    kept = [s for s in sentences if not is_instruction(s)]
    return " ".join(kept) if kept and len(kept) < len(sentences) else text
