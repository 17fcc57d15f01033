"""`dossier` starts at once: importing the CLI loads none of the heavy libraries; each command
imports what it uses when it runs (timed by `python -m bench.cli_start`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("chromadb", "langchain", "langchain_core", "gradio", "onnxruntime", "scipy", "bm25s",
         "pandas")
# Chroma's import and what it brings (its embedding functions' schemas, HTTP, telemetry)
CHROMA = ("chromadb", "jsonschema", "httpx", "opentelemetry", "grpc")
REPO = Path(__file__).resolve().parent.parent


def run_and_list_loaded(statement: str, env: dict[str, str] | None = None) -> tuple[list[str], str]:
    """The top-level packages a fresh interpreter has loaded after running `statement`, and
    what `statement` printed."""
    code = (f"import sys, json; {statement}; "
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          check=True, env={**os.environ, **(env or {})})
    printed, _, loaded = done.stdout.rstrip("\n").rpartition("\n")
    return list(json.loads(loaded)), printed


def loaded_after(statement: str) -> list[str]:
    return run_and_list_loaded(statement)[0]


def searched_by_the_cli(home: Path, query: str) -> tuple[list[str], list[dict[str, object]]]:
    """The packages `dossier search QUERY --json` loads, and the passages it prints."""
    loaded, printed = run_and_list_loaded(
        f"from assistant.cli import app; app(['search', {query!r}, '--json'], standalone_mode=False)",
        {"DOSSIER_HOME": str(home)})
    return loaded, json.loads(printed)


def test_importing_the_cli_loads_no_heavy_library() -> None:
    loaded = loaded_after("import assistant.cli")
    assert "typer" in loaded  # the probe sees what the import loaded
    assert [name for name in HEAVY if name in loaded] == []


def test_importing_the_package_loads_no_heavy_library_until_an_assistant_is_asked_for() -> None:
    assert [name for name in HEAVY if name in loaded_after("import assistant")] == []
    assert "chromadb" not in loaded_after("from assistant import Assistant, Answer")


def test_a_search_loads_neither_langchain_nor_bm25_nor_the_chat(tmp_path: Path) -> None:
    """`dossier search` needs Chroma and the embedder, nothing else heavy: LangChain, bm25s
    (and scipy), Gradio and the loaders stay unloaded."""
    search = (f"from assistant import Assistant; "
              f"Assistant({str(tmp_path / 'home')!r}).search('net sales')")
    loaded = loaded_after(search)
    assert "onnxruntime" in loaded  # the search did run (an empty store: exactly, no Chroma)
    assert [name for name in HEAVY if name in loaded and name not in ("chromadb", "onnxruntime")] == []
    # nor the loaders' HTML and PDF libraries (the registry reads facts without them)
    assert [name for name in ("trafilatura", "lxml", "pypdf", "pypdfium2") if name in loaded] == []


def test_a_search_scoped_to_a_few_documents_never_imports_chroma(two_document_store: Path) -> None:
    """A question naming a stored company is searched among that company's documents, exactly,
    over their vectors in the registry: the store opens Chroma only when a search needs it, and
    importing Chroma is most of a search's start-up (docs/benchmarks.md, CLI start-up)."""
    loaded, passages = searched_by_the_cli(two_document_store, "What did Buckle report for net sales?")
    assert passages and all("buckle" in str(p["company"]).lower() for p in passages)  # scoped
    assert "onnxruntime" in loaded  # the query was embedded
    assert [name for name in (*HEAVY, *CHROMA) if name in loaded and name != "onnxruntime"] == []


def test_a_small_store_searched_whole_never_imports_chroma(two_document_store: Path) -> None:
    """A store of at most a few thousand chunks is searched whole exactly, like a scope."""
    loaded, passages = searched_by_the_cli(two_document_store, "supply chain risk")
    assert passages and {str(p["company"]) for p in passages} >= {"Alibaba Group Holding Ltd"}
    assert [name for name in (*HEAVY, *CHROMA) if name in loaded and name != "onnxruntime"] == []
