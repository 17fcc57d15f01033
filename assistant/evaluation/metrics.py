"""Scoring one question: where the gold document and page rank, whether the answer matches, and
whether its citations hold up. Pure functions over plain values."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from assistant.answer.numbers import Number, find_numbers, matches
from assistant.evaluation.datasets import GoldSource
from assistant.models import Answer

CUTOFFS = (1, 5, 10)
LONG_ANSWER_WORDS = 30  # longer gold answers are not scored by containment


# retrieval -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Hit:
    """One retrieved passage, as scoring sees it."""

    source: str  # path or URL
    page: int | None = None  # 1-based

    @property
    def name(self) -> str:
        return PurePosixPath(self.source.split("?", 1)[0].rstrip("/")).name


def doc_matches(source: str, gold: str) -> bool:
    """A retrieved source is the gold document when its file name or stem matches the gold name
    or glob, case-insensitively (`3M_2018_10K` matches `3M_2018_10K.pdf`)."""
    name = Hit(source).name.lower()
    pattern = gold.strip().lower()
    return any(fnmatch.fnmatchcase(n, pattern) for n in (name, PurePosixPath(name).stem))


def first_doc_rank(hits: Sequence[Hit], gold: Sequence[GoldSource]) -> int | None:
    """1-based rank of the first passage from a gold document, None if there is none."""
    return next((i for i, h in enumerate(hits, 1) if any(doc_matches(h.source, g.doc) for g in gold)),
                None)


def first_page_rank(hits: Sequence[Hit], gold: Sequence[GoldSource]) -> int | None:
    """1-based rank of the first passage on a gold page of a gold document."""
    paged = [g for g in gold if g.page is not None]
    return next((i for i, h in enumerate(hits, 1)
                 if h.page is not None and any(h.page == g.page and doc_matches(h.source, g.doc)
                                               for g in paged)), None)


def hit_at(rank: int | None, k: int) -> float:
    return float(rank is not None and rank <= k)


def reciprocal_rank(rank: int | None) -> float:
    return 0.0 if rank is None else 1.0 / rank


# numbers ---------------------------------------------------------------------------------------
_MARKERS = re.compile(r"\[\d{1,3}\]|\(ref\. \d{1,3}\)")  # [n] citations, a source's "(ref. n)"


def parse_numbers(text: str) -> list[Number]:
    """The figures written in a text ("1,577", "$1.6 billion", "25%"), citation markers aside."""
    return find_numbers(_MARKERS.sub(" ", text))


def numbers_equal(a: Number, b: Number) -> bool:
    """The same figure, however each is written: "1,577" == "1577.0", and 1,577 (an unscaled
    table figure, read in millions) == "$1.6 billion" either way round. Two figures both
    written with (or both without) a scale compare as written: "3" is not "3,000"."""
    if a.scaled != b.scaled:
        return matches(a, b) or matches(b, a)
    coarse = a if a.precision >= b.precision else b
    tolerance = coarse.precision / 2 if coarse.significant >= 2 else 0.0
    return abs(a.value - b.value) <= tolerance + 1e-9 * max(abs(a.value), 1.0)


def number_in(n: Number, pool: Iterable[Number]) -> bool:
    return any(numbers_equal(n, other) for other in pool)


# answers -------------------------------------------------------------------------------------
def normalise_text(text: str) -> str:
    text = _MARKERS.sub(" ", text.lower()).replace("\u2019", "'")
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    return " ".join(re.sub(r"[^\w%.'$]+|(?<!\d)\.|\.(?!\d)", " ", text).split())


def is_short(gold: Sequence[str]) -> bool:
    return sum(len(a.split()) for a in gold) <= LONG_ANSWER_WORDS


def figures(text: str) -> list[Number]:
    """The figures that carry an answer: years ("in 2023") are context, not the figure asked for."""
    return [n for n in parse_numbers(text) if not n.is_year]


def part_matches(gold: str, predicted: str) -> bool:
    """A gold part is in the answer: its normalised text is contained in it, or it states
    figures (years aside) and each of them is in the answer."""
    g = normalise_text(gold)
    if g and g in normalise_text(predicted):
        return True
    numbers = figures(gold)
    pool = parse_numbers(predicted)
    return bool(numbers) and all(number_in(n, pool) for n in numbers)


def answer_match(gold: Sequence[str], predicted: str) -> bool | None:
    """Every gold part found in the answer; None when the gold answer is long (more than
    LONG_ANSWER_WORDS words), where containment says nothing and only a judge can score."""
    if not gold or not is_short(gold):
        return None
    return all(part_matches(g, predicted) for g in gold)


def gold_number_recall(gold: Sequence[str], predicted: str) -> float | None:
    """Share of the gold answer's figures (years aside) that the answer states; None when it
    has none."""
    numbers = [n for g in gold for n in figures(g)]
    if not numbers:
        return None
    pool = parse_numbers(predicted)
    return sum(number_in(n, pool) for n in numbers) / len(numbers)


# a single figure, as TAT-QA scores it ------------------------------------------------------------
_SIGNED = re.compile(
    r"(?P<open>\()?(?P<minus>[-\u2212\u2013])?\s?(?P<currency>[$€£¥])?\s?(?P<minus2>[-\u2212])?"
    r"(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\)?"
    r"(?:\s?(?P<scale>thousand|million|billion|trillion|bn|mn|[kmb])(?![A-Za-z]))?"
    r"(?P<percent>\s?(?:%|percent\b|per cent\b))?", re.IGNORECASE)
_SCALE_WORDS = {"thousand": 3, "k": 3, "million": 6, "mn": 6, "m": 6, "billion": 9, "bn": 9, "b": 9,
                "trillion": 12}


@dataclass(frozen=True)
class Figure:
    """A signed figure as written: its value, decimals, power of ten stated and whether a %."""

    value: float
    decimals: int
    power: int | None  # 6 for "million"; None when no scale is written
    percent: bool


def signed_figures(text: str) -> list[Figure]:
    """Figures with their sign ("-12.6", "(1,234)", "−3.5%"), years and citation markers aside."""
    out = []
    for match in _SIGNED.finditer(_MARKERS.sub(" ", text)):
        digits = match.group("digits").replace(",", "")
        scale = (match.group("scale") or "").lower()
        year = re.fullmatch(r"(?:19|20)\d\d", digits) and not (scale or match.group("percent"))
        if year:
            continue
        negative = bool(match.group("minus") or match.group("minus2")
                        or (match.group("open") and match.group(0).rstrip().endswith(")")))
        value = float(digits)
        out.append(Figure(-value if negative else value,
                          len(digits.split(".", 1)[1]) if "." in digits else 0,
                          _SCALE_WORDS.get(scale), bool(match.group("percent"))))
    return out


def single_figure(gold: Sequence[str]) -> Figure | None:
    """The gold answer's figure when it is one figure and nothing else ("-12.6 million", "1.9%",
    "$1832.00"); None for words, spans with text, or several figures."""
    if len(gold) != 1:
        return None
    found = signed_figures(gold[0])
    rest = _SIGNED.sub(" ", gold[0]).strip(" .$")
    return found[0] if len(found) == 1 and not rest else None


def figure_match(gold: Figure, stated: Figure | None, *, scale: bool = True) -> bool:
    """The stated figure is the gold one as TAT-QA scores it: the same sign, equal once rounded to
    the gold's decimals, a percentage for a percentage, and in the gold's scale where the gold
    states one ("-12.6 million": "-12.6 million" or "-12,600 thousand", not "-12.6"). With
    `scale=False` a figure stated without a scale word counts as in the gold's scale (the
    scale was not in the text the answer had)."""
    if stated is None or stated.percent != gold.percent:
        return False
    if gold.power is not None and stated.power is None:
        if scale:
            return False
        stated = Figure(stated.value, stated.decimals, gold.power, stated.percent)
    shift = (stated.power or 0) - (gold.power or 0) if gold.power is not None else 0
    value = stated.value * 10.0 ** shift
    return abs(value - gold.value) <= 0.5 * 10.0 ** -gold.decimals + 1e-9 * max(abs(gold.value), 1.0)


# citations -------------------------------------------------------------------------------------
def _squash(text: str) -> str:
    return " ".join(text.split())


def citation_validity(answer: Answer, documents: dict[str, str]) -> float | None:
    """Share of citations whose quote is verbatim (whitespace aside) in its passage or, failing
    that, in its document; None when the answer cites nothing."""
    if not answer.citations:
        return None
    passages = {p.chunk_id: _squash(p.text) for p in answer.passages}
    ok = 0
    for c in answer.citations:
        quote = _squash(c.quote)
        ok += bool(quote) and (quote in passages.get(c.chunk_id, "")
                               or quote in _squash(documents.get(c.doc_id, "")))
    return ok / len(answer.citations)


def numbers_supported(answer: Answer) -> float | None:
    """Share of the figures in the answer that a cited quote states, or that Dossier's
    computation gives (its result, and the constants of its work: the 2 of an average); its
    operands count only as their quotes state them. None when the answer states none (or is
    the cannot-answer sentence)."""
    if answer.cannot_answer:
        return None
    stated = parse_numbers(answer.answer)
    if not stated:
        return None
    pool = [n for c in answer.citations for n in parse_numbers(c.quote)]
    if answer.computation is not None:  # Dossier's own: the result, its label and the work's constants
        computation = answer.computation
        operands = [n for o in computation.operands for n in parse_numbers(o.text)]
        shown = parse_numbers(f"{computation.label}: {computation.result} = {computation.work}")
        pool += [n for n in shown if not number_in(n, operands)]
    return sum(number_in(n, pool) for n in stated) / len(stated)
