"""Import every module of the installed core (assistant, ingest, prompts) and report the ones
that fail, or that come from anywhere but this interpreter's environment. The bare-install check
runs it with the python of a venv that holds the core dependencies alone, so a module that needs
a package the core does not declare fails here. A module of an extra (the MCP server) may fail to
import, but only with a message that names its extra ("pip install 'dossier[mcp]'")."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import re
import sys
import traceback
from pathlib import Path

PACKAGES = ("assistant", "ingest", "prompts")
DISTRIBUTION = "dossier"


def extra_named(message: str) -> str | None:
    """The extra of the installed distribution that an import error's message names, if any."""
    for extra in importlib.metadata.metadata(DISTRIBUTION).get_all("Provides-Extra") or []:
        if re.search(rf"\[{re.escape(extra)}\]|'{re.escape(extra)}' extra", message):
            return extra
    return None


def module_names() -> list[str]:
    """Every module file of the installed packages, found on disk (importing a package to walk
    it would hide the modules below one that fails)."""
    names = []
    for package_name in PACKAGES:
        spec = importlib.util.find_spec(package_name)
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit(f"package {package_name} is not installed in {sys.prefix}")
        for location in spec.submodule_search_locations:
            root = Path(location).parent
            for path in sorted(Path(location).rglob("*.py")):
                parts = path.relative_to(root).with_suffix("").parts
                names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def main() -> int:
    failed, of_extras = [], []
    names = module_names()
    prefix = Path(sys.prefix).resolve()
    for name in names:
        try:
            module = importlib.import_module(name)
        except Exception as exc:  # any failure at import is what this check is for
            extra = extra_named(str(exc))
            if extra:
                of_extras.append(f"{name} [{extra}]")
                continue
            failed.append(name)
            print(f"FAIL import {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            traceback.print_exc(limit=-3)
            continue
        if not Path(module.__file__ or "").resolve().is_relative_to(prefix):
            failed.append(name)
            print(f"FAIL {name} comes from {module.__file__}, not from {prefix}", file=sys.stderr)
    imported = len(names) - len(failed) - len(of_extras)
    print(f"imported {imported} of {len(names)} modules from {prefix}"
          + (f"; needing an extra, and saying so: {', '.join(of_extras)}" if of_extras else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
