"""The JSON HTTP API beside the chat (assistant/serve/http_api.py): httpx against the running app
on 127.0.0.1, over a real two-document store; with the login off and on."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from assistant import Assistant
from ingest.embeddings import LocalMiniLM
from tests.helpers import free_port

QUESTION = "How much is Alibaba investing in AI and cloud infrastructure?"
USER, PASSWORD = "ana", "pw-1"


@pytest.fixture(scope="module")
def store(two_document_store: Path, minilm: LocalMiniLM) -> Iterator[Assistant]:
    with Assistant(home=two_document_store, embedder=minilm) as a:
        yield a


def _serve(assistant: Assistant, **launch: Any) -> Iterator[httpx.Client]:
    from assistant.ui.app import ChatApp

    app = ChatApp(assistant)
    port = free_port()
    app.launch(server_port=port, prevent_thread_lock=True, quiet=True, **launch)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            yield client
    finally:
        app.close()


@pytest.fixture(scope="module")
def api(store: Assistant) -> Iterator[httpx.Client]:
    yield from _serve(store)


@pytest.fixture(scope="module")
def api_with_login(store: Assistant) -> Iterator[httpx.Client]:
    yield from _serve(store, auth=[(USER, PASSWORD)])


def test_search_gives_the_cli_contract_and_honours_filters(api: httpx.Client,
                                                           store: Assistant) -> None:
    response = api.post("/api/search", json={"query": QUESTION, "k": 3})
    assert response.status_code == 200, response.text
    passages = response.json()
    expected = [p.json_contract() for p in store.search(QUESTION, 3)]  # what `search --json` prints
    assert passages == expected and len(passages) == 3
    assert [p["rank"] for p in passages] == [1, 2, 3]

    buckle = api.post("/api/search", json={"query": QUESTION, "k": 5, "ticker": "BKE"}).json()
    assert buckle and {p["ticker"] for p in buckle} == {"BKE"}
    only = api.post("/api/search", json={"query": QUESTION, "doc_ids": [passages[0]["doc_id"]]})
    assert {p["doc_id"] for p in only.json()} == {passages[0]["doc_id"]}


def test_ask_returns_cited_verbatim_quotes(api: httpx.Client, store: Assistant) -> None:
    response = api.post("/api/ask", json={"question": QUESTION})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer == store.ask(QUESTION).json_contract()  # what `ask --json` prints
    assert not answer["cannot_answer"] and answer["citations"]
    for citation in answer["citations"]:
        text = " ".join((store.store.registry.document_text(citation["doc_id"]) or "").split())
        assert " ".join(citation["quote"].split()) in text
    assert answer["total_claims"] == len(answer["claims"]) > 0


def test_ask_takes_the_previous_question_for_a_follow_up_and_answers_comparisons_in_parts(
        api: httpx.Client, store: Assistant) -> None:
    previous = "What were The Buckle's net sales for the quarter?"
    follow_up = api.post("/api/ask", json={"question": "And net income?", "previous": previous})
    assert follow_up.status_code == 200, follow_up.text
    answer = follow_up.json()
    assert answer["searched"] == "net income, Buckle" and not answer["cannot_answer"]
    assert answer == store.ask("And net income?", previous=previous).json_contract()
    assert any("44.2 million" in c["quote"] for c in answer["citations"])
    compared = api.post("/api/ask", json={"question": "Compare Buckle's and Nordstrom's net sales."})
    parts = compared.json()["parts"]
    assert [(p["label"], p["covered"]) for p in parts] == [("Buckle", True), ("Nordstrom", False)]
    assert "not in the sources" in parts[1]["answer"]


def test_documents_lists_the_store(api: httpx.Client, store: Assistant) -> None:
    response = api.get("/api/documents")
    assert response.status_code == 200
    listed = {d["doc_id"]: d for d in response.json()}
    assert set(listed) == {d.doc_id for d in store.documents()}
    buckle = next(d for d in listed.values() if d["ticker"] == "BKE")
    assert buckle["chunks"] > 0 and buckle["source"].endswith("EX-99.1.html")


@pytest.mark.parametrize(("path", "body", "status", "says"), [
    ("/api/search", b"{query: 1", 400, "not JSON"),
    ("/api/search", b'["a list"]', 422, "JSON object"),
    ("/api/search", b"{}", 422, "query: Field required"),
    ("/api/search", b'{"query": "   "}', 422, "query: String should have at least 1 character"),
    ("/api/search", b'{"query": "x", "k": 0}', 422, "k: Input should be greater than or equal to 1"),
    ("/api/search", b'{"query": "x", "since": "last May"}', 422, "since: Input should be a valid date"),
    ("/api/search", b'{"query": "x", "since": "2024-06-01", "until": "2024-01-01"}', 422,
     "since (2024-06-01) is after until (2024-01-01)"),
    ("/api/search", b'{"query": "x", "sort": "date"}', 422, "sort: Extra inputs are not permitted"),
    ("/api/ask", b'{"query": "x"}', 422, "question: Field required"),
    ("/api/ask", b'{"question": "x", "mode": "llm"}', 400, "needs an LLM endpoint"),
    ("/api/ask", b'{"question": "x", "mode": "poetry"}', 422, "mode: Input should be"),
])
def test_bad_input_is_a_json_error_saying_what_is_wrong(api: httpx.Client, path: str, body: bytes,
                                                        status: int, says: str) -> None:
    response = api.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert says in response.json()["error"]


def test_only_json_bodies_are_read(api: httpx.Client) -> None:
    form = api.post("/api/search", data={"query": "AI"})  # what a web page may post cross-site
    assert form.status_code == 415
    assert "Content-Type: application/json" in form.json()["error"]
    assert api.post("/api/search", content=b'{"query": "AI"}',
                    headers={"content-type": "application/json; charset=utf-8"}).status_code == 200


def test_login_guards_the_api(api_with_login: httpx.Client) -> None:
    client = api_with_login
    refused = client.get("/api/documents")
    assert refused.status_code == 401 and "sign in" in refused.json()["error"]
    assert refused.headers["www-authenticate"].startswith("Basic")
    assert client.post("/api/search", json={"query": "AI"}).status_code == 401
    assert client.get("/api/documents", auth=(USER, "wrong")).status_code == 401
    assert client.get("/api/documents", auth=("bob", PASSWORD)).status_code == 401
    assert client.get("/api/documents", auth=(USER, PASSWORD)).status_code == 200
    # the chat's own sign-in: its session cookie opens the API too
    assert client.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 200
    searched = client.post("/api/search", json={"query": QUESTION, "k": 2})
    assert searched.status_code == 200 and len(searched.json()) == 2
    client.cookies.clear()
    assert client.get("/api/documents").status_code == 401


def test_basic_credentials_are_read_strictly() -> None:
    from assistant.serve.login import basic_credentials

    def encoded(text: bytes) -> str:
        return "Basic " + base64.b64encode(text).decode()

    assert basic_credentials(encoded(b"ana:pw:with:colons")) == ("ana", "pw:with:colons")
    assert basic_credentials(encoded("zoë:pässword".encode())) == ("zoë", "pässword")
    for header in ("", "Bearer abc", encoded(b"no colon"), "Basic not base64!", encoded(b"\xff:x")):
        assert basic_credentials(header) is None, header


def test_a_login_hook_of_the_embedding_app_decides() -> None:
    from starlette.requests import Request

    from assistant.serve.login import signed_in

    class Chat:  # Gradio's app, launched with auth_dependency (e.g. behind an OAuth proxy)
        auth = None
        tokens: dict[str, str] = {}
        cookie_id = "x"

        def __init__(self, user: str | None) -> None:
            self.user = user

        async def auth_dependency(self, request: Request) -> str | None:
            return self.user

    request = Request({"type": "http", "headers": [], "method": "GET", "path": "/api/documents"})
    assert anyio.run(signed_in, request, Chat("ana")) is True
    assert anyio.run(signed_in, request, Chat(None)) is False
