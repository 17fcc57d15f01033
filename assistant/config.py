"""The one settings tree. Read once here and handed down as plain arguments.

Every knob is an environment variable with the `DOSSIER_` prefix (or a line in `.env`), except the
OpenAI client's own `OPENAI_BASE_URL` / `OPENAI_API_KEY`, which keep their usual names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_home() -> Path:
    return Path(user_data_dir("dossier", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DOSSIER_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    home: Path = Field(
        default_factory=default_home,
        description="Folder holding the store: Chroma, the BM25 index and the document registry.",
    )

    chroma_url: str | None = Field(
        None,
        description="Chroma server (`chroma run`, or a cluster) as http://host:port. Unset: an "
        "embedded Chroma under `home`.",
    )

    # Embeddings
    embedding_backend: Literal["local", "openai"] = Field(
        "local",
        description="'local': all-MiniLM-L6-v2 on onnxruntime, offline. 'openai': an "
        "OpenAI-compatible /v1/embeddings endpoint at embedding_base_url.",
    )
    embedding_model: str = Field(
        "all-MiniLM-L6-v2",
        description="Embedding model name. For the local backend only all-MiniLM-L6-v2 ships.",
    )
    embedding_base_url: str | None = Field(
        None,
        description="Base URL of an OpenAI-compatible embeddings server (defaults to "
        "OPENAI_BASE_URL).",
    )
    embedding_batch_size: int = Field(64, ge=1, description="Texts per embedding batch.")
    embedding_threads: int = Field(
        0, ge=0, description="CPU threads the local model embeds with (one onnxruntime session "
        "per thread, up to 4 sessions); 0 uses every core this process may run on."
    )
    embedding_worker: Literal["auto", "always", "never"] = Field(
        "auto",
        description="Where an ingest runs the local model: 'auto' moves it to a worker process "
        "once an ingest has embedded ~200k characters (long ingests: the loaders and Chroma's "
        "writes then no longer stall it), 'always', or 'never' (the ingest's own process).",
    )

    # Chunking
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

    # Retrieval and answering
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
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    bm25_weight: float = Field(
        1.0, ge=0.0, description="Weight of the BM25 ranking in reciprocal-rank fusion."
    )
    answer_sentences: int = Field(
        4, ge=1, le=12, description="Most quoted sentences in an offline (extractive) answer."
    )
    min_support: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Share of the question's key terms the quoted evidence must contain; below "
        "it the assistant says it cannot answer.",
    )

    # Ingest
    max_file_mb: float = Field(200.0, gt=0, description="Files larger than this are refused.")
    url_timeout_s: float = Field(20.0, gt=0, description="Timeout for fetching a URL.")

    # EDGAR downloads (`dossier ingest edgar:AAPL`)
    sec_identity: str | None = Field(
        None,
        description="Who you are, for SEC's User-Agent rule: 'Your Name you@example.com'. Needed "
        "to download from EDGAR; sent to SEC with every request, nowhere else.",
    )
    edgar_base_url: str = Field(
        "https://www.sec.gov",
        description="EDGAR's www host: company_tickers.json and the filing Archives (a mirror or "
        "a local test server may stand in).",
    )
    edgar_data_url: str = Field(
        "https://data.sec.gov", description="EDGAR's data host: submissions/CIK##########.json."
    )
    edgar_max_rps: float = Field(
        8.0, gt=0, le=10, description="Requests a second to EDGAR; SEC allows at most 10."
    )

    # Chat (`dossier chat`, `Assistant.chat()`)
    auth: SecretStr | None = Field(
        None,
        description="Login for the chat: 'user:password', or the path of a file of such lines. "
        "Unset: no login (the chat binds 127.0.0.1 unless --host says otherwise).",
    )
    chat_concurrency: int = Field(
        4, ge=1, le=64, description="Questions and ingests the chat runs at once; more wait in line."
    )
    upload_max_mb: float = Field(50.0, gt=0, description="Largest file the chat accepts for upload.")

    # LLM (used by the generated-answer mode)
    openai_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "DOSSIER_OPENAI_BASE_URL"),
        description="OpenAI-compatible endpoint (OpenAI, vLLM, llama.cpp, Ollama).",
    )
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_API_KEY", "DOSSIER_OPENAI_API_KEY"),
        description="API key for the endpoint. Never logged or stored.",
    )
    llm_model: str | None = Field(default=None, description="Chat model name at the endpoint.")
    llm_timeout_s: float = Field(
        60.0, gt=0, description="Seconds to wait for the endpoint to connect, or for the next "
        "piece of a streamed reply, before the try counts as failed."
    )
    llm_max_retries: int = Field(
        2, ge=0, le=10, description="Retries, with exponential backoff (honouring Retry-After), "
        "after a timeout, a dropped connection, HTTP 429 or a 5xx."
    )
    llm_max_tokens: int = Field(
        700, ge=16, le=32768, description="Longest generated answer, in the model's tokens."
    )
    llm_temperature: float = Field(
        0.0, ge=0.0, le=2.0, description="Sampling temperature; 0 keeps answers repeatable."
    )

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_model and (self.openai_base_url or self.openai_api_key))


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
