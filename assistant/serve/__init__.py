"""Dossier served to other programs: an MCP server (mcp.py) and a JSON HTTP API (http_api.py),
both over one service (service.py) and, beside the chat, behind its login (login.py).

Nothing here imports the `mcp` SDK until an MCP server is asked for: it is the `mcp` extra."""

from __future__ import annotations

import importlib.util

from assistant.errors import DossierError

MCP_EXTRA_MISSING = ("the MCP server needs the official MCP SDK, which is the 'mcp' extra: "
                     "pip install 'dossier[mcp]'")


class MissingExtraError(DossierError, RuntimeError):
    """An optional part is asked for but its extra is not installed; the message names it."""


def require_mcp() -> None:
    """Raise MissingExtraError, naming the extra, when the `mcp` SDK is not installed."""
    if importlib.util.find_spec("mcp") is None:
        raise MissingExtraError(MCP_EXTRA_MISSING)
