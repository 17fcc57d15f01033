"""examples/quickstart.ipynb, executed for real: nbclient, an ipykernel running this Python, a
fresh store in a temporary folder, one small filing from demo/corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import free_port

nbformat = pytest.importorskip("nbformat", reason="pip install -e '.[test]' (nbformat)")
nbclient = pytest.importorskip("nbclient", reason="pip install -e '.[test]' (nbclient)")
pytest.importorskip("ipykernel", reason="pip install -e '.[test]' (ipykernel)")

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "examples" / "quickstart.ipynb"


def _outputs(cell: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in cell.get("outputs", []) if o["output_type"] in ("execute_result", "display_data")]


def test_quickstart_runs_and_shows_cited_answers(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    # The kernel inherits this environment: a fresh store, a small input, a free port.
    monkeypatch.setenv("DOSSIER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOSSIER_QUICKSTART_INPUTS", "demo/corpus/ORCL_8-K_2024-11-14.html")
    monkeypatch.setenv("GRADIO_SERVER_PORT", str(port))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)

    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()

    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors, errors
    text = "\n".join(o.get("text", "") for c in code for o in c.get("outputs", [])
                     if o["output_type"] == "stream")
    assert "1 added" in text

    answer_cell = next(c for c in code if c.source.startswith("answer = a.ask("))
    (shown,) = _outputs(answer_cell)
    html, markdown = shown["data"]["text/html"], shown["data"]["text/markdown"]
    assert "Sources" in html and ">[1]</a>" in html and "shares in favor" in html
    assert "**Sources**" in markdown and "[1]" in markdown

    cannot_cell = next(c for c in code if "Japan" in c.source)
    (cannot,) = _outputs(cannot_cell)
    assert "I cannot answer this from the ingested sources." in cannot["data"]["text/html"]

    chat_cell = next(c for c in code if c.source.startswith("chat = a.chat()"))
    frames = [o["data"].get("text/html", "") for o in _outputs(chat_cell)]
    assert any("<iframe" in f and f":{port}" in f for f in frames), frames
