"""A chunk candidate (`Piece`: spans of one block, with the table head put before it) and token
counting in batches, shared by sentence packing (chunking.py) and table splitting
(table_chunks.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

TokenCounter = Callable[[Sequence[str]], list[int]]

# How many texts go to one count_tokens call: a few calls per document, bounded memory.
_BATCH = 16_384


@dataclass(slots=True)
class Piece:
    """A chunk candidate: spans of whole units (sentences or word runs) within one block."""

    units: list[tuple[int, int]]
    page: int | None
    section: str | None
    prefix: str = ""  # text put before doc.text[start:end]: a split table's head
    cont: str = ""  # the prefix of a piece split off after this one (same table)

    @property
    def start(self) -> int:
        return self.units[0][0]

    @property
    def end(self) -> int:
        return self.units[-1][1]


def count_in_batches(count_tokens: TokenCounter, texts: list[str]) -> list[int]:
    """Token counts of `texts`, asked of `count_tokens` a batch at a time."""
    out: list[int] = []
    for i in range(0, len(texts), _BATCH):
        batch = texts[i : i + _BATCH]
        counts = count_tokens(batch)
        if len(counts) != len(batch):
            raise ValueError(f"count_tokens returned {len(counts)} counts for {len(batch)} texts")
        out.extend(counts)
    return out
