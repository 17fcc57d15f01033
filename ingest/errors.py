"""The base of every error a user can act on. Its message says what is wrong and what to do; the
CLI prints it as one line (exit status 2), never a traceback. `assistant` re-exports it."""

from __future__ import annotations


class DossierError(Exception):
    """An error a user can act on: a busy or mismatched store, an unreachable embedding server or
    Chroma, EDGAR refusing, a failing LLM endpoint, bad input. The message is for the user."""
