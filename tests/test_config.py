"""The settings tree: env prefix, .env file, the OpenAI variables, secrets kept secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings


def test_env_prefix_and_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("DOSSIER_K=5\nDOSSIER_CHUNK_TOKENS=120\n")
    monkeypatch.setenv("DOSSIER_HOME", str(tmp_path / "store"))
    monkeypatch.setenv("DOSSIER_K", "3")  # the environment wins over .env
    settings = Settings()
    assert settings.home == tmp_path / "store"
    assert settings.k == 3
    assert settings.chunk_tokens == 120


def test_openai_variables_keep_their_usual_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-planted-secret-123")
    monkeypatch.setenv("DOSSIER_LLM_MODEL", "local-model")
    settings = Settings()
    assert settings.openai_base_url == "http://127.0.0.1:9/v1"
    assert settings.llm_configured
    assert settings.openai_api_key is not None
    assert settings.openai_api_key.get_secret_value() == "sk-planted-secret-123"
    assert "sk-planted-secret-123" not in repr(settings)
    assert "sk-planted-secret-123" not in settings.model_dump_json()


def test_every_setting_is_described() -> None:
    undocumented = [name for name, f in Settings.model_fields.items() if not f.description]
    assert undocumented == []


def test_chunk_size_cannot_exceed_the_model_window() -> None:
    with pytest.raises(ValueError, match="chunk_tokens"):
        Settings(chunk_tokens=300)
