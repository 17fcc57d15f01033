"""`python -m assistant.cli`: the `dossier` command."""

from assistant.cli import run

if __name__ == "__main__":  # imported (the bare-install check imports every module), it runs nothing
    run()
