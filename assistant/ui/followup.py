"""Follow-up questions in the offline (extractive) mode.

The extractive answerer reads one question at a time, so the chat rewrites a follow-up before
retrieval, and keeps it simple: a short question (at most `SHORT_WORDS` words) that names no
company or person of its own gets the previous question's names prepended, e.g.

    "How much is Alibaba investing in AI?"  then  "What about free cash flow?"
    -> "About Alibaba: what about free cash flow?"

Anything else is asked as typed. The chat shows the rewritten question, so it is never hidden.
Both questions come read (`Question`); the rewritten text is read into a new `Question`.
"""

from __future__ import annotations

import re

from assistant.question import Question

SHORT_WORDS = 10
_WORD = re.compile(r"\b[A-Z][A-Za-z&.\-]*(?:['’]s)?\b")


def question_names(question: Question) -> list[str]:
    """The names a question mentions, as written ("Alibaba's" -> "Alibaba"), in order: capitalised
    words after the first that the answerer also treats as names (`question.names`)."""
    words = question.text.split(maxsplit=1)
    rest = words[1] if len(words) > 1 else ""
    names: list[str] = []
    for match in _WORD.finditer(rest):
        word = re.sub(r"['’]s$", "", match.group(0)).rstrip(".")
        if word.lower() in question.names and word not in names:
            names.append(word)
    return names


def rewrite_followup(question: Question, previous: Question | None) -> str:
    """The text of `question` with the previous question's names prepended when it is a short
    follow-up without names of its own; otherwise the text unchanged."""
    text = " ".join(question.text.split())
    if not previous or not text or len(text.split()) > SHORT_WORDS:
        return text
    first_word = text.split()[0]
    if question_names(question) or re.search(r"^[A-Z].*['’]s$", first_word):  # "Apple's margin?"
        return text
    names = question_names(previous)
    if not names:
        return text
    first, rest = text[0], text[1:]
    return f"About {' '.join(names)}: {first.lower()}{rest}"
