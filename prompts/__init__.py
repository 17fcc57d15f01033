"""Prompt templates and fixed texts, kept as files and loaded by name."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load(name: str) -> str:
    """The text of prompts/<name>.txt, without its trailing newline."""
    return resources.files(__name__).joinpath(f"{name}.txt").read_text(encoding="utf-8").rstrip("\n")


def cannot_answer() -> str:
    return load("cannot_answer")
