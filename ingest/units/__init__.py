"""The scale and unit a document states for its figures, read from the text a chunk keeps.

A filing states its scale once per table or statement, in a units line kept with the table's
head on every chunk of it ("(In millions, except number of shares, which are reflected in
thousands, and per-share amounts)", "(dollars in millions)", "(in thousands)"); a figure's unit
comes from its own cell ("$", "%"), its column header ("%", "Per Share", "Shares"), its row
label or the label line above a group of rows ("Earnings per share:"); prose states both with
the figure ("$3.3 billion", "161,000 employees", "$1.26 per diluted share"). Inline XBRL states
them as attributes (`scale`, `unitRef`); a table whose text states no units gets a units line
read from them (`xbrl_units_line`), so one reader serves PDF, HTML and iXBRL alike.

    vocabulary.py  kinds, scales, currencies; the unit words beside a number (`unit_after`)
    lines.py       units lines in running text: `Units`, `parse_units`, `statements`
    labels.py      the scale a column header or table corner writes (`label_scale`)
    passage.py     `PassageUnits(text).at(start, end)`: what a passage states about one number
    xbrl.py        inline XBRL units and the units line they give a table

Units recognised (`KINDS`): currency amounts (signs and codes in `CURRENCIES`), per-share
amounts, percentages (and percentage points), basis points, shares, employees.
"""

from __future__ import annotations

from ingest.units.labels import label_scale
from ingest.units.lines import Units, parse_units, statements, states_units
from ingest.units.passage import LITERAL, PassageUnits, Reading
from ingest.units.vocabulary import (
    CURRENCIES,
    KINDS,
    SCALE_NAMES,
    SCALES,
    UNSCALED_KINDS,
    Kind,
    currency_before,
    currency_of,
    kind_of,
    per_share_context,
    unit_after,
)
from ingest.units.xbrl import XbrlUnits, xbrl_units_line

__all__ = [
    "CURRENCIES", "KINDS", "LITERAL", "SCALES", "SCALE_NAMES", "UNSCALED_KINDS", "Kind",
    "PassageUnits", "Reading", "Units", "XbrlUnits", "currency_before", "currency_of", "kind_of",
    "label_scale", "parse_units", "per_share_context", "states_units", "statements", "unit_after",
    "xbrl_units_line",
]
