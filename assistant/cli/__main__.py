"""`python -m assistant.cli`: the `dossier` command."""

from assistant.cli import run

run()
