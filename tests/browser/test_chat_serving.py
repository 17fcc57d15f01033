"""The chat's server: only the ingested files are served as originals (an HTML one sandboxed), a
login is required when one is set, and no share links are offered."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from assistant import Assistant
from tests.browser.chat_page import served
from tests.conftest import FIXTURES


def test_only_ingested_files_are_served(chat_assistant: Assistant, server: str) -> None:
    sources = {Path(d.source).name: d.source for d in chat_assistant.documents()}
    html_original = sources["BKE_8-K_2024-11-22_EX-99.1.html"]
    with httpx.Client(base_url=server, timeout=30) as client:
        original = client.get(f"gradio_api/file={html_original}")
        assert original.status_code == 200
        # an HTML original cannot run scripts in the app's origin
        assert original.headers["content-security-policy"] == "sandbox"
        for path in ("/etc/passwd", str(FIXTURES / "MANIFEST.tsv"), html_original + "/../x"):
            assert client.get(f"gradio_api/file={path}").status_code in (403, 404), path


def test_login_required_when_auth_is_set(chat_assistant: Assistant) -> None:
    from assistant.ui.app import ChatApp

    app = ChatApp(chat_assistant)
    with served(app, auth=[("ana", "pw-1")]) as url, httpx.Client(base_url=url, timeout=30) as client:
        assert client.get("/config").status_code == 401
        assert client.get("/page-view?chunk=x").status_code == 401
        assert client.post("/login", data={"username": "ana", "password": "bad"}).status_code == 400
        assert client.post("/login", data={"username": "ana", "password": "pw-1"}).status_code == 200
        assert client.get("/config").status_code == 200


def test_no_share_links(chat_assistant: Assistant) -> None:
    from assistant.ui.app import ChatApp

    app = ChatApp.__new__(ChatApp)  # launch_kwargs only needs the settings
    app.settings = chat_assistant.settings
    app.assistant = chat_assistant
    kwargs = app.launch_kwargs()
    assert kwargs["server_name"] == "127.0.0.1" and kwargs["share"] is False
    assert kwargs["max_file_size"] == chat_assistant.settings.chat.upload_max_bytes
    with pytest.raises(ValueError, match="share links"):
        app.launch_kwargs(share=True)

