"""The settings tree: groups, env names unchanged, .env file, the OpenAI variables, secrets kept
secret, overrides by group."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import SecretStr

from assistant.config import GROUPS, Settings, load_settings
from assistant.errors import DossierError, SettingsError

REPO = Path(__file__).resolve().parent.parent

# Every variable a user may set, the field it lands in, a value to set and what the field then
# holds. The names are the contract (README.md and docs/ name them): grouping the settings must
# not rename one.
VARIABLES: dict[str, tuple[str, str, str, object]] = {
    "DOSSIER_HOME": ("store", "home", "/tmp/dossier-x", Path("/tmp/dossier-x")),
    "DOSSIER_CHROMA_URL": ("store", "chroma_url", "http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    "DOSSIER_CACHE_DIR": ("store", "cache_dir", "/tmp/dossier-cache", Path("/tmp/dossier-cache")),
    "DOSSIER_HNSW_M": ("store", "hnsw_m", "32", 32),
    "DOSSIER_HNSW_EF_CONSTRUCTION": ("store", "hnsw_ef_construction", "200", 200),
    "DOSSIER_HNSW_EF_SEARCH": ("store", "hnsw_ef_search", "50", 50),
    "DOSSIER_CHUNK_TOKENS": ("ingest", "chunk_tokens", "120", 120),
    "DOSSIER_CHUNK_OVERLAP_TOKENS": ("ingest", "chunk_overlap_tokens", "10", 10),
    "DOSSIER_EMBED_CHUNK_CONTEXT": ("ingest", "embed_chunk_context", "1", True),
    "DOSSIER_MAX_FILE_MB": ("ingest", "max_file_mb", "12.5", 12.5),
    "DOSSIER_URL_TIMEOUT_S": ("ingest", "url_timeout_s", "7", 7.0),
    "DOSSIER_EMBEDDING_BACKEND": ("embedding", "backend", "openai", "openai"),
    "DOSSIER_EMBEDDING_MODEL": ("embedding", "model", "bge-small", "bge-small"),
    "DOSSIER_EMBEDDING_BASE_URL": ("embedding", "base_url", "http://e:1/v1", "http://e:1/v1"),
    "DOSSIER_EMBEDDING_BATCH_SIZE": ("embedding", "batch_size", "16", 16),
    "DOSSIER_EMBEDDING_THREADS": ("embedding", "threads", "3", 3),
    "DOSSIER_EMBEDDING_WORKER": ("embedding", "worker", "never", "never"),
    "DOSSIER_K": ("retrieval", "k", "5", 5),
    "DOSSIER_FUSION": ("retrieval", "fusion", "rrf", "rrf"),
    "DOSSIER_AUTO_SCOPE": ("retrieval", "auto_scope", "false", False),
    "DOSSIER_UNCERTAIN_SCOPE": ("retrieval", "uncertain_scope", "filter", "filter"),
    "DOSSIER_SCOPE_STRIP_NAMES": ("retrieval", "scope_strip_names", "false", False),
    "DOSSIER_RRF_K": ("retrieval", "rrf_k", "30", 30),
    "DOSSIER_BM25_WEIGHT": ("retrieval", "bm25_weight", "0.5", 0.5),
    "DOSSIER_SCOPED_FUSION": ("retrieval", "scoped_fusion", "rrf", "rrf"),
    "DOSSIER_STATEMENT_WEIGHT": ("retrieval", "statement_weight", "0", 0.0),
    "DOSSIER_PAGE_DECAY": ("retrieval", "page_decay", "0.25", 0.25),
    "DOSSIER_ANSWER_SENTENCES": ("answer", "sentences", "6", 6),
    "DOSSIER_MIN_SUPPORT": ("answer", "min_support", "0.25", 0.25),
    "DOSSIER_SEC_IDENTITY": ("edgar", "identity", "Jane Doe jane@example.com",
                             "Jane Doe jane@example.com"),
    "DOSSIER_EDGAR_BASE_URL": ("edgar", "base_url", "http://m:1", "http://m:1"),
    "DOSSIER_EDGAR_DATA_URL": ("edgar", "data_url", "http://m:2", "http://m:2"),
    "DOSSIER_EDGAR_MAX_RPS": ("edgar", "max_rps", "3", 3.0),
    "DOSSIER_AUTH": ("chat", "auth", "ann:pw", SecretStr("ann:pw")),
    "DOSSIER_CHAT_CONCURRENCY": ("chat", "concurrency", "9", 9),
    "DOSSIER_UPLOAD_MAX_MB": ("chat", "upload_max_mb", "5", 5.0),
    "OPENAI_BASE_URL": ("llm", "base_url", "http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1"),
    "OPENAI_API_KEY": ("llm", "api_key", "sk-planted-secret-123", SecretStr("sk-planted-secret-123")),
    "DOSSIER_OPENAI_BASE_URL": ("llm", "base_url", "http://127.0.0.1:8/v1", "http://127.0.0.1:8/v1"),
    "DOSSIER_OPENAI_API_KEY": ("llm", "api_key", "sk-other-secret-456", SecretStr("sk-other-secret-456")),
    "DOSSIER_LLM_MODEL": ("llm", "model", "local-model", "local-model"),
    "DOSSIER_LLM_TIMEOUT_S": ("llm", "timeout_s", "5", 5.0),
    "DOSSIER_LLM_MAX_RETRIES": ("llm", "max_retries", "0", 0),
    "DOSSIER_LLM_MAX_TOKENS": ("llm", "max_tokens", "300", 300),
    "DOSSIER_LLM_TEMPERATURE": ("llm", "temperature", "0.7", 0.7),
}


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No Dossier or OpenAI variable from the caller's environment, no .env in the cwd."""
    monkeypatch.chdir(tmp_path)
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("name", sorted(VARIABLES))
def test_every_variable_lands_in_its_field(name: str, clean_env: None,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    group, field, raw, expected = VARIABLES[name]
    default = getattr(getattr(Settings(), group), field)
    monkeypatch.setenv(name, raw)
    assert getattr(getattr(Settings(), group), field) == expected != default


def test_every_field_has_a_variable_and_every_documented_variable_is_known() -> None:
    fields = {(g, f) for g in GROUPS for f in type(getattr(Settings(), g)).model_fields}
    assert fields == {(g, f) for g, f, _, _ in VARIABLES.values()}
    documented = set()
    for page in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        documented |= set(re.findall(r"\b(?:DOSSIER|OPENAI)_[A-Z0-9_]*[A-Z0-9]\b", page.read_text()))
    assert documented <= set(VARIABLES)


def test_env_prefix_and_dotenv(tmp_path: Path, clean_env: None,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("DOSSIER_K=5\nDOSSIER_CHUNK_TOKENS=120\nDOSSIER_AUTH=a:b\n")
    monkeypatch.setenv("DOSSIER_HOME", str(tmp_path / "store"))
    monkeypatch.setenv("DOSSIER_K", "3")  # the environment wins over .env
    settings = Settings()
    assert settings.store.home == tmp_path / "store"
    assert settings.retrieval.k == 3
    assert settings.ingest.chunk_tokens == 120
    assert settings.chat.auth is not None and settings.chat.auth.get_secret_value() == "a:b"


def test_openai_variables_keep_their_usual_names(clean_env: None,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-planted-secret-123")
    monkeypatch.setenv("DOSSIER_LLM_MODEL", "local-model")
    settings = Settings()
    assert settings.llm.base_url == "http://127.0.0.1:9/v1"
    assert settings.llm.configured
    assert settings.llm.api_key_value() == "sk-planted-secret-123"
    assert "sk-planted-secret-123" not in repr(settings)
    assert "sk-planted-secret-123" not in settings.model_dump_json()


def test_a_group_given_as_a_dict_takes_the_rest_from_the_environment(
    clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_LLM_MODEL", "from-env")
    monkeypatch.setenv("DOSSIER_LLM_MAX_TOKENS", "300")
    settings = Settings(llm={"model": "given"})
    assert (settings.llm.model, settings.llm.max_tokens) == ("given", 300)
    updated = settings.updated(llm={"max_tokens": 100}, retrieval={"k": 2})
    assert (updated.llm.model, updated.llm.max_tokens, updated.retrieval.k) == ("given", 100, 2)
    assert settings.llm.max_tokens == 300  # the original is left as it was


def test_every_setting_is_described() -> None:
    undocumented = [f"{g}.{name}" for g in GROUPS
                    for name, f in type(getattr(Settings(), g)).model_fields.items()
                    if not f.description]
    assert undocumented == []


def test_bad_values_are_settings_errors_a_user_can_act_on(clean_env: None,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SettingsError, match="DOSSIER_CHUNK_TOKENS: Input should be less than"):
        load_settings(ingest={"chunk_tokens": 300})  # over the model window
    with pytest.raises(SettingsError, match="no settings group 'retreival'"):
        Settings().updated(retreival={"k": 2})
    monkeypatch.setenv("OPENAI_API_KEY", "sk-planted-secret-123")
    monkeypatch.setenv("DOSSIER_LLM_MAX_TOKENS", "sk-planted-secret-123")  # a key, misplaced
    with pytest.raises(DossierError, match="invalid setting DOSSIER_LLM_MAX_TOKENS") as caught:
        load_settings()
    assert "sk-planted" not in str(caught.value)  # values are never repeated: they may be secret


def test_the_cli_reports_a_bad_setting_in_one_line(clean_env: None, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    result = CliRunner().invoke(app, ["search", "net sales"],
                                env={"DOSSIER_HOME": str(tmp_path), "DOSSIER_K": "many"})
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)  # not a traceback
    assert result.stderr.startswith("error: invalid setting DOSSIER_K: Input should be a valid "
                                    "integer")
