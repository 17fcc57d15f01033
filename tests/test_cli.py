"""The `dossier` command as a user runs it: a real process, a real store, the JSON contract."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

PASSAGE_KEYS = {"rank", "score", "chunk_id", "doc_id", "title", "source", "page", "printed_page", "section",
                "company", "ticker", "form", "period", "published", "text",
                "statement"}  # statement: added by issue 16 (the statement or section a passage sits in)


def dossier(home: Path, *args: str,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOSSIER_HOME": str(home), **(env or {})}
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    shutil.copy(FIXTURES / "alibaba-ai-investment-2025.txt", folder)
    (folder / "nested").mkdir()
    (folder / "nested" / "note.md").write_text(
        "# Oracle vote\n\nOracle stockholders elected all twelve director nominees in 2024.\n"
    )
    (folder / "broken.pdf").write_bytes(b"this is not a pdf at all")
    return folder


@dataclass
class Prepared:
    home: Path
    ingest: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Prepared:
    """The corpus ingested once per module; tests get copies (see `home`)."""
    home = tmp_path_factory.mktemp("cli") / "home"
    return Prepared(home, dossier(home, "ingest", str(corpus)))


@pytest.fixture
def home(prepared: Prepared, tmp_path: Path) -> Path:
    """A store of this test's own: a copy of the prepared one, so no test sees another's changes."""
    return Path(shutil.copytree(prepared.home, tmp_path / "home",
                                ignore=shutil.ignore_patterns("writer.lock")))


def test_ingest_stores_what_it_can_and_names_the_failure(prepared: Prepared) -> None:
    result = prepared.ingest
    assert result.returncode == 1, result.stderr  # one input failed, the rest stored
    assert "2 added, 0 unchanged, 0 replaced, 1 failed" in result.stdout
    assert "broken.pdf" in result.stderr and "Traceback" not in result.stderr


def test_reingest_is_unchanged(home: Path, corpus: Path) -> None:
    result = dossier(home, "ingest", str(corpus / "nested"))
    assert result.returncode == 0, result.stderr
    assert "0 added, 1 unchanged" in result.stdout


def test_search_json_contract(home: Path) -> None:
    result = dossier(home, "search", "Oracle director election", "--json", "--k", "3")
    assert result.returncode == 0, result.stderr
    passages = json.loads(result.stdout)
    assert 1 <= len(passages) <= 3
    assert set(passages[0]) == PASSAGE_KEYS
    assert [p["rank"] for p in passages] == list(range(1, len(passages) + 1))
    assert "twelve director nominees" in passages[0]["text"]


def test_ask_json_contract(home: Path) -> None:
    result = dossier(home, "ask", "How much is Alibaba investing in AI and cloud infrastructure?",
                     "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["mode"] == "extractive" and data["cannot_answer"] is False
    assert any("380 billion yuan" in c["quote"] for c in data["citations"])


def test_ask_markdown_is_the_answer_with_numbered_quoted_sources(home: Path) -> None:
    question = "How much is Alibaba investing in AI and cloud infrastructure?"
    result = dossier(home, "ask", question, "--markdown")
    assert result.returncode == 0, result.stderr
    data = json.loads(dossier(home, "ask", question, "--json").stdout)
    text = result.stdout
    assert text.startswith(f"**Q:** {question}\n\n*Scope: {data['scope']}*\n\n{data['answer']}\n")
    sources = text.split("**Sources**\n\n", 1)[1]
    for c in data["citations"]:  # each numbered, its place linked to the file, its quote
        assert f"{c['n']}. [{c['title']}" in sources
        assert f"{Path(c['source']).name})" in sources
        assert f"> {' '.join(c['quote'].split())}" in sources
    both = dossier(home, "ask", question, "--markdown", "--json")
    assert both.returncode == 2 and "one of --json and --markdown" in both.stderr


def test_ask_cannot_answer(home: Path) -> None:
    result = dossier(home, "ask", "What was Alibaba's dividend in 2019?", "--json")
    data = json.loads(result.stdout)
    assert data["cannot_answer"] is True and data["citations"] == []


def test_ask_in_a_conversation_builds_a_follow_up_on_its_last_question(home: Path) -> None:
    from assistant.conversations import ConversationStore

    question = "How much is Alibaba investing in AI and cloud infrastructure?"
    first = json.loads(dossier(home, "ask", question, "--conversation", "new", "--json").stdout)
    conversation = first["conversation"]
    result = dossier(home, "ask", "And free cash flow?", "--conversation", conversation)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Searched as: free cash flow, Alibaba\n")
    assert f"conversation: {conversation}" in result.stderr
    again = json.loads(dossier(home, "ask", "and in 2024?", "--conversation", conversation,
                               "--json").stdout)
    assert again["searched"] == "free cash flow, Alibaba, 2024" and again["conversation"] == conversation
    store = ConversationStore.at_home(home)
    turns = store.get(conversation, "").turns
    store.close()
    assert [t.question for t in turns] == [question, "And free cash flow?", "and in 2024?"]
    assert turns[-1].answer.searched == again["searched"]
    # without storing anything: the previous question given
    stateless = json.loads(dossier(home, "ask", "And free cash flow?", "--previous", question,
                                   "--json").stdout)
    assert stateless["searched"] == "free cash flow, Alibaba" and "conversation" not in stateless
    unknown = dossier(home, "ask", "And margins?", "--conversation", "no-such-id")
    assert unknown.returncode == 2 and "no conversation 'no-such-id'" in unknown.stderr


def test_status_and_delete(home: Path, corpus: Path) -> None:
    status = json.loads(dossier(home, "status", "--json").stdout)
    assert status["documents"] == 2
    assert status["embedding_model"] == "all-MiniLM-L6-v2"
    note = str((corpus / "nested" / "note.md").resolve())
    assert dossier(home, "delete", note).returncode == 0
    assert json.loads(dossier(home, "status", "--json").stdout)["documents"] == 1
    missing = dossier(home, "delete", note)
    assert missing.returncode == 2 and "no document" in missing.stderr
    passages = json.loads(dossier(home, "search", "Oracle director election", "--json").stdout)
    assert all("Oracle" not in p["text"] for p in passages)


def test_an_unreachable_chroma_server_is_one_clear_line(tmp_path: Path) -> None:
    # nothing listens on port 9
    result = dossier(tmp_path / "home", "search", "anything",
                     env={"DOSSIER_CHROMA_URL": "http://user:hunter2@127.0.0.1:9"})
    assert result.returncode == 2
    assert result.stderr.startswith("error:") and "127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.stderr and "hunter2" not in result.stderr
