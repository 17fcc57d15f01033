"""Errors a user can act on: all are `DossierError`s (defined in ingest, which must not import
assistant, and re-exported here), so a caller catches one type. Light to import: the CLI does."""

from __future__ import annotations

from ingest.errors import DossierError

__all__ = ["DossierError", "InputError", "SettingsError"]


class InputError(DossierError, ValueError):
    """A request that cannot be served as asked: an unknown answer mode, a bad filter."""


class SettingsError(DossierError, ValueError):
    """A setting (environment variable, `.env` line or override) has a value that is not valid."""
