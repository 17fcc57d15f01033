"""Whether a table row is a deduction printed in parentheses (an expense, a loss, an allowance):
asked about by itself ("the change in voyage expenses", "the average cost of sales"), such a row is
spoken of by its size, not its printed sign.

A row's direction is the first direction word its label says outside parentheses: "Losses
recognized in other income (expense), net" is a loss; "Other income (expense), net" is income and
"(Loss)/profit before taxation" a profit: those keep their signs, and so does a deduction under
a group row of the other direction ("Interest expense" under "Other income (expense):"), a part of
a signed net figure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_DEDUCTION = (
    r"costs?|expenses?|expenditures?|losses|loss|allowances?|charges?|depreciation|"
    r"amorti[sz]ation|impairments?|provisions?|write[- ]?(?:downs?|offs?)"
)
_OPPOSITE = r"income|incomes|gains?|profits?|revenues?|earnings|benefits?|credits?|recover(?:y|ies)"
_DIRECTION = re.compile(rf"\b(?:(?P<deduction>{_DEDUCTION})|(?P<opposite>{_OPPOSITE}))\b", re.I)
_PARENTHESES = re.compile(r"\([^)]*\)")


def is_deduction(label: str, groups: Sequence[str] = ()) -> bool:
    """Whether the row's label names a deduction, under no group row of the other direction."""
    return _direction(label) == "deduction" and all(_direction(g) != "opposite" for g in groups)


def _direction(label: str) -> str | None:
    """The label's first direction word, outside parentheses: 'deduction', 'opposite' or None."""
    found = _DIRECTION.search(_PARENTHESES.sub(" ", label))
    return found.lastgroup if found else None
