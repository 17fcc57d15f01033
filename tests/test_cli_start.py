"""`dossier` starts at once: importing the CLI loads none of the heavy libraries; each command
imports what it uses when it runs (timed by `python -m bench.cli_start`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("chromadb", "langchain", "langchain_core", "gradio", "onnxruntime", "scipy", "bm25s")
REPO = Path(__file__).resolve().parent.parent


def loaded_after(statement: str) -> list[str]:
    """The top-level packages a fresh interpreter has loaded after running `statement`."""
    code = (f"import sys, json; {statement}; "
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          check=True)
    return list(json.loads(done.stdout))


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
    assert "chromadb" in loaded and "onnxruntime" in loaded  # the search did run
    assert [name for name in HEAVY if name in loaded and name not in ("chromadb", "onnxruntime")] == []
    # nor the loaders' HTML and PDF libraries (the registry reads facts without them)
    assert [name for name in ("trafilatura", "lxml", "pypdf", "pypdfium2") if name in loaded] == []
