"""The one settings tree. Read once here and handed down as plain arguments.

Grouped as paper-qa groups its settings: `settings.store.home`, `settings.embedding.backend`,
`settings.llm.model`... Every knob is still the environment variable it always was, with the
`DOSSIER_` prefix (or a line in `.env`): each group reads its own variables, under its own prefix
or, where the old name does not follow the group's prefix, under an explicit name
(`DOSSIER_SEC_IDENTITY` → `edgar.identity`). The OpenAI client's own `OPENAI_BASE_URL` /
`OPENAI_API_KEY` keep their usual names. Nothing else in Dossier reads the environment.

    Settings(llm={"model": "m"})      # a group given as a dict: the rest of it from the env
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

from platformdirs import user_cache_dir, user_data_dir
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.errors import SettingsError

MIB = 2**20


def default_home() -> Path:
    return Path(user_data_dir("dossier", appauthor=False))


def default_cache_dir() -> Path:
    return Path(user_cache_dir("dossier", appauthor=False))


def _group(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, env_file=".env", env_file_encoding="utf-8",
                              extra="ignore", validate_by_name=True)


def _env(name: str) -> AliasChoices:
    """A field read from the variable `name` rather than from its group's prefix + its name."""
    return AliasChoices(name)


class StoreSettings(BaseSettings):
    model_config = _group("DOSSIER_")

    home: Path = Field(
        default_factory=default_home,
        description="Folder holding the store: Chroma, the BM25 index and the document registry.",
    )
    chroma_url: str | None = Field(
        None,
        description="Chroma server (`chroma run`, or a cluster) as http://host:port. Unset: an "
        "embedded Chroma under `home`.",
    )
    hnsw_m: int = Field(
        16, ge=2, description="HNSW links per vector (Chroma's max_neighbors) of a new store's "
        "collection; an existing store keeps the value it was created with."
    )
    hnsw_ef_construction: int = Field(
        100, ge=1, description="HNSW candidates kept while building a new store's collection; "
        "an existing store keeps its value."
    )
    hnsw_ef_search: int = Field(
        200, ge=1, description="HNSW candidates kept while searching: higher finds more of the "
        "exact top k, slower. Applied to existing stores too, from the next process that opens one."
    )
    cache_dir: Path = Field(
        default_factory=default_cache_dir,
        description="Folder for derived files worth keeping between runs: the fused embedding "
        "model, `dossier eval` stores, the rendered pages of cited PDFs.",
    )


class IngestSettings(BaseSettings):
    model_config = _group("DOSSIER_")

    chunk_tokens: int = Field(
        200,
        ge=32,
        le=254,
        description="Largest chunk, in the embedding model's tokens (MiniLM truncates at 256 "
        "including its two special tokens).",
    )
    chunk_overlap_tokens: int = Field(
        24, ge=0, description="Tokens of trailing sentences repeated at the start of the next chunk."
    )
    embed_chunk_context: bool = Field(
        False,
        description="Embed each chunk after a short context header (its document's company, "
        "its section); the stored and quoted chunk text stays verbatim. Applies to chunks "
        "embedded from now on: re-ingest into a fresh store to measure it.",
    )
    max_file_mb: float = Field(200.0, gt=0, description="Files larger than this are refused.")
    url_timeout_s: float = Field(20.0, gt=0, description="Timeout for fetching a URL.")

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * MIB)


class EmbeddingSettings(BaseSettings):
    model_config = _group("DOSSIER_EMBEDDING_")

    backend: Literal["local", "openai"] = Field(
        "local",
        description="'local': all-MiniLM-L6-v2 on onnxruntime, offline. 'openai': an "
        "OpenAI-compatible /v1/embeddings endpoint at embedding base_url.",
    )
    model: str = Field(
        "all-MiniLM-L6-v2",
        description="Embedding model name. For the local backend only all-MiniLM-L6-v2 ships.",
    )
    base_url: str | None = Field(
        None,
        description="Base URL of an OpenAI-compatible embeddings server (defaults to "
        "OPENAI_BASE_URL).",
    )
    batch_size: int = Field(64, ge=1, description="Texts per embedding batch.")
    threads: int = Field(
        0, ge=0, description="CPU threads the local model embeds with (one onnxruntime session "
        "per thread, up to 4 sessions); 0 uses every core this process may run on."
    )
    worker: Literal["auto", "always", "never"] = Field(
        "auto",
        description="Where an ingest runs the local model: 'auto' moves it to a worker process "
        "once an ingest has embedded ~200k characters (long ingests: the loaders and Chroma's "
        "writes then no longer stall it), 'always', or 'never' (the ingest's own process).",
    )


class RetrievalSettings(BaseSettings):
    model_config = _group("DOSSIER_")

    k: int = Field(8, ge=1, le=100, description="Passages retrieved per question.")
    fusion: Literal["rrf", "dense", "bm25"] = Field(
        "dense",
        description="Ranking: 'dense' (Chroma), 'bm25', or 'rrf' (both, fused by reciprocal "
        "rank). Dense is the default because it measured best on the docugami 10-Q dev set "
        "(docs/evaluation.md): BM25 fusion lowered hit@5 there.",
    )
    auto_scope: bool = Field(
        True,
        description="Resolve the companies, forms and fiscal periods a question names (\"Apple's "
        "Q2 2023 10-Q\") against the store and search only those documents. Explicit filters "
        "always win.",
    )
    uncertain_scope: Literal["boost", "filter"] = Field(
        "boost",
        description="When the companies a question names are matched without certainty (a fuzzy "
        "match, initials, a first word, beside a name the store lacks): 'boost' searches every "
        "document with theirs first, 'filter' only theirs (docs/evaluation.md has both measured).",
    )
    scope_strip_names: bool = Field(
        True,
        description="Search inside a company's scope without its name in the query. Off, the "
        "name finds the statement pages whose heads repeat it (FinanceBench dev search-only page "
        "hit@5 0.261 -> 0.652, docugami unchanged; docs/evaluation.md), but one offline "
        "comparison answer quoted the nine months' sales for the quarter's: not the default yet.",
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    bm25_weight: float = Field(
        1.0, ge=0.0, description="Weight of the BM25 ranking in reciprocal-rank fusion."
    )
    scoped_fusion: Literal["rrf", "dense", "bm25"] | None = Field(
        None, description="The ranking inside a filing scope or filter, where BM25 can no longer "
        "pull up other companies' filings; unset: the same as `fusion`.",
    )
    statement_weight: float = Field(
        1.0, ge=0.0, description="Weight of the ranking among the chunks of the statements a "
        "question names or needs (capex: the cash-flow statement), fused with the others; 0: off.",
    )
    page_decay: float = Field(
        0.0, ge=0.0, le=1.0, description="Results are pages: a page scores its best chunk plus "
        "page_decay times its second, squared times its third... 0 (the best chunk alone) "
        "measured best on the docugami and financebench dev sets (docs/evaluation.md).",
    )


class AnswerSettings(BaseSettings):
    """The offline (extractive) answer."""

    model_config = _group("DOSSIER_ANSWER_")

    sentences: int = Field(
        4, ge=1, le=12, description="Most quoted sentences in an offline (extractive) answer."
    )
    min_support: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        validation_alias=_env("DOSSIER_MIN_SUPPORT"),
        description="Share of the question's key terms the quoted evidence must contain; below "
        "it the assistant says it cannot answer.",
    )


class EdgarSettings(BaseSettings):
    """EDGAR downloads (`dossier ingest edgar:AAPL`)."""

    model_config = _group("DOSSIER_EDGAR_")

    identity: str | None = Field(
        None,
        validation_alias=_env("DOSSIER_SEC_IDENTITY"),
        description="Who you are, for SEC's User-Agent rule: 'Your Name you@example.com'. Needed "
        "to download from EDGAR; sent to SEC with every request, nowhere else.",
    )
    base_url: str = Field(
        "https://www.sec.gov",
        description="EDGAR's www host: company_tickers.json and the filing Archives (a mirror or "
        "a local test server may stand in).",
    )
    data_url: str = Field(
        "https://data.sec.gov", description="EDGAR's data host: submissions/CIK##########.json."
    )
    max_rps: float = Field(
        8.0, gt=0, le=10, description="Requests a second to EDGAR; SEC allows at most 10."
    )


class ChatSettings(BaseSettings):
    """The chat (`dossier chat`, `Assistant.chat()`)."""

    model_config = _group("DOSSIER_CHAT_")

    auth: SecretStr | None = Field(
        None,
        validation_alias=_env("DOSSIER_AUTH"),
        description="Login for the chat: 'user:password', or the path of a file of such lines. "
        "Unset: no login (the chat binds 127.0.0.1 unless --host says otherwise).",
    )
    concurrency: int = Field(
        4, ge=1, le=64, description="Questions and ingests the chat runs at once; more wait in line."
    )
    upload_max_mb: float = Field(
        50.0, gt=0, validation_alias=_env("DOSSIER_UPLOAD_MAX_MB"),
        description="Largest file the chat accepts for upload.",
    )

    @property
    def upload_max_bytes(self) -> int:
        return int(self.upload_max_mb * MIB)


class LLMSettings(BaseSettings):
    """The endpoint of the generated-answer mode."""

    model_config = _group("DOSSIER_LLM_")

    base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "DOSSIER_OPENAI_BASE_URL"),
        description="OpenAI-compatible endpoint (OpenAI, vLLM, llama.cpp, Ollama).",
    )
    api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_API_KEY", "DOSSIER_OPENAI_API_KEY"),
        description="API key for the endpoint (and an OpenAI embeddings server). Never logged "
        "or stored.",
    )
    model: str | None = Field(default=None, description="Chat model name at the endpoint.")
    timeout_s: float = Field(
        60.0, gt=0, description="Seconds to wait for the endpoint to connect, or for the next "
        "piece of a streamed reply, before the try counts as failed."
    )
    max_retries: int = Field(
        2, ge=0, le=10, description="Retries, with exponential backoff (honouring Retry-After), "
        "after a timeout, a dropped connection, HTTP 429 or a 5xx."
    )
    max_tokens: int = Field(
        700, ge=16, le=32768, description="Longest generated answer, in the model's tokens."
    )
    temperature: float = Field(
        0.0, ge=0.0, le=2.0, description="Sampling temperature; 0 keeps answers repeatable."
    )

    @property
    def configured(self) -> bool:
        return bool(self.model and (self.base_url or self.api_key))

    def api_key_value(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key else None


_GROUP_TYPES: dict[str, type[BaseSettings]] = {
    "store": StoreSettings, "ingest": IngestSettings, "embedding": EmbeddingSettings,
    "retrieval": RetrievalSettings, "answer": AnswerSettings, "edgar": EdgarSettings,
    "chat": ChatSettings, "llm": LLMSettings,
}
GROUPS = tuple(_GROUP_TYPES)


G = TypeVar("G", bound=BaseSettings)


def _from_env(group: type[G]) -> Callable[[], G]:
    """A group's default: the group read from the environment and `.env`."""
    return group


class Settings(BaseModel):
    """Every setting, by group. A group given as a dict is completed from the environment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    store: StoreSettings = Field(default_factory=_from_env(StoreSettings), description="The store.")
    ingest: IngestSettings = Field(default_factory=_from_env(IngestSettings),
                                   description="Chunking and what an ingest fetches.")
    embedding: EmbeddingSettings = Field(default_factory=_from_env(EmbeddingSettings),
                                         description="The embedding model.")
    retrieval: RetrievalSettings = Field(default_factory=_from_env(RetrievalSettings),
                                         description="Ranking and scoping.")
    answer: AnswerSettings = Field(default_factory=_from_env(AnswerSettings),
                                   description="The offline (extractive) answer.")
    edgar: EdgarSettings = Field(default_factory=_from_env(EdgarSettings), description="EDGAR downloads.")
    chat: ChatSettings = Field(default_factory=_from_env(ChatSettings), description="The chat.")
    llm: LLMSettings = Field(default_factory=_from_env(LLMSettings),
                             description="The generated-answer mode's endpoint.")

    @field_validator(*GROUPS, mode="before")
    @classmethod
    def _complete_from_env(cls, value: Any, info: Any) -> Any:
        return _GROUP_TYPES[info.field_name](**value) if isinstance(value, dict) else value

    def updated(self, **groups: dict[str, Any]) -> Settings:
        """A copy with some fields of some groups replaced, validated: `updated(llm={"model": "m"})`."""
        values: dict[str, Any] = {}
        for name, changes in groups.items():
            if name not in GROUPS:
                raise SettingsError(f"no settings group {name!r}: use one of {', '.join(GROUPS)}")
            current = getattr(self, name)
            values[name] = type(current).model_validate({**current.model_dump(), **changes})
        return self.model_copy(update=values)


def load_settings(**groups: Any) -> Settings:
    """The settings from the environment and `.env`, with `groups` (dicts by group) on top; a bad
    value is a `SettingsError` naming the variable."""
    try:
        return Settings(**groups)
    except ValidationError as exc:
        raise SettingsError(explain(exc)) from None


def env_name(group: type[BaseSettings], field: str) -> str:
    """The variable a group's field is read from: 'DOSSIER_K', 'OPENAI_API_KEY'..."""
    alias = group.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        return alias.choices[0]
    return f"{group.model_config.get('env_prefix', '')}{field}".upper()


def explain(exc: ValidationError) -> str:
    """'invalid setting DOSSIER_K: Input should be a valid integer...' (never the value: it may
    be a secret)."""
    by_title = {cls.__name__: cls for cls in _GROUP_TYPES.values()}
    lines = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        group = by_title.get(exc.title)
        if group is None and loc and loc[0] in _GROUP_TYPES:
            group, loc = _GROUP_TYPES[loc[0]], loc[1:]
        field = loc[0] if loc else ""
        name = env_name(group, field) if group and field in group.model_fields else ".".join(loc)
        lines.append(f"invalid setting {name}: {error['msg']}")
    return "; ".join(lines)
