"""What Dossier offers other programs: search, ask, list the documents and (when allowed) ingest,
each taking a checked request and giving the `--json` contract's shapes. The MCP tools and the
JSON HTTP API are two doors onto this one service."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from assistant.answer.errors import LLMError
from assistant.errors import DossierError
from assistant.models import document_contract
from ingest.chroma_client import ChromaUnreachableError
from ingest.embeddings import EmbeddingError
from ingest.lock import StoreBusyError
from ingest.sources.edgar import EdgarError
from ingest.store import StoreMismatchError

if TYPE_CHECKING:
    from assistant.api import Assistant

MAX_K = 100  # passages one request may ask for

# The parameters, described once for the HTTP API's bodies and the MCP tools' schemas alike.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Query = Annotated[Text, Field(description="What to look for, in plain words (a question or "
                                          "key terms); companies, forms and periods it names "
                                          "narrow the search when no filter is given.")]
Question = Annotated[Text, Field(description="The question to answer from the stored filings "
                                             "and articles.")]
K = Annotated[int | None, Field(ge=1, le=MAX_K, description="How many passages to retrieve "
                                                            "(default: the store's setting).")]
Company = Annotated[str | None, Field(description="Only documents of this company "
                                                  "(case-insensitive, e.g. 'Apple Inc.').")]
Ticker = Annotated[str | None, Field(description="Only documents with this ticker, e.g. 'AAPL'.")]
Form = Annotated[str | None, Field(description="Only this SEC form: 10-K, 10-Q, 8-K, 20-F...")]
Since = Annotated[date | None, Field(description="Only documents published or filed on or after "
                                                 "this date (YYYY-MM-DD).")]
Until = Annotated[date | None, Field(description="Only documents published or filed on or before "
                                                 "this date (YYYY-MM-DD).")]
DocIds = Annotated[list[str] | None, Field(description="Only these documents (doc_id values "
                                                       "from list_documents).")]
Mode = Annotated[Literal["extractive", "llm"] | None, Field(
    description="'extractive' quotes the best sentences; 'llm' writes an answer whose citations "
    "and numbers are checked (needs an LLM endpoint). Default: llm when one is configured.")]
Previous = Annotated[str | None, Field(description="The conversation's previous question as "
                                                   "searched (the previous answer's `searched`, else "
                                                   "its question): a follow-up such as 'And iPhone?' is "
                                                   "then asked with its company, metric and period.")]
Sources = Annotated[list[Text], Field(min_length=1, description="Files or folders on the "
                                      "server's disk, http(s) URLs, or edgar:TICKER.")]

# Failures of the store or the services it uses that the caller can act on (wait and retry, or
# tell whoever runs the server): their message says what to do, and is shown as it is.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    LLMError, StoreBusyError, StoreMismatchError, EmbeddingError, ChromaUnreachableError,
    EdgarError)


class RequestError(DossierError, ValueError):
    """The request cannot be served as asked; the message says what is wrong."""


class Unavailable(DossierError, RuntimeError):
    """The store, or a service it uses, cannot serve the request now; the message says why."""


class Scope(BaseModel):
    """How many passages, and which documents they may come from."""

    model_config = ConfigDict(extra="forbid")

    k: K = None
    company: Company = None
    ticker: Ticker = None
    form: Form = None
    since: Since = None
    until: Until = None
    doc_ids: DocIds = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Scope:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        return self

    def filters(self) -> dict[str, Any]:
        """The keyword filters `Assistant.search` and `Assistant.ask` take."""
        return {"company": self.company or None, "ticker": self.ticker or None,
                "form": self.form or None, "doc_ids": self.doc_ids or None,
                "date_from": self.since.isoformat() if self.since else None,
                "date_to": self.until.isoformat() if self.until else None}


class SearchRequest(Scope):
    query: Query


class AskRequest(Scope):
    question: Question
    mode: Mode = None
    previous: Previous = None


def problem(exc: ValidationError) -> str:
    """A validation error as one line: 'k: Input should be greater than or equal to 1; ...'."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


class DossierService:
    """One assistant's store, served to other programs. Thread-safe: requests may come from
    several worker threads at once; ingests take turns."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self._write = threading.Lock()

    def warm(self) -> None:
        """Load the model and open the store now, so the first request does not pay for it and
        a store that cannot be opened is reported before serving."""
        self.assistant.store.open_chroma()

    def search(self, request: SearchRequest) -> list[dict[str, object]]:
        """The passages retrieval finds, best first (`dossier search --json`)."""
        with _expected():
            results = self.assistant.search(request.query, request.k, **request.filters())
        return [p.json_contract() for p in results]

    def ask(self, request: AskRequest) -> dict[str, object]:
        """A cited answer with its claims checked (`dossier ask --json`)."""
        with _expected():
            answer = self.assistant.ask(request.question, request.k, mode=request.mode,
                                        previous=request.previous, **request.filters())
        return answer.json_contract()

    def documents(self) -> list[dict[str, object]]:
        """The stored documents (`dossier status --json`'s documents_list)."""
        with _expected():
            return [document_contract(d) for d in self.assistant.documents()]

    def ingest(self, sources: list[str]) -> dict[str, object]:
        """Load, chunk, embed and store files, folders, URLs or edgar: inputs."""
        with self._write, _expected():
            report = self.assistant.ingest(sources, progress=False, wait_for_lock_s=30)
        return {"summary": report.summary(), "chunks": report.chunks, "added": report.added,
                "replaced": report.replaced, "unchanged": report.unchanged,
                "failed": [{"source": s, "reason": r} for s, r in report.failed]}


@contextmanager
def _expected() -> Iterator[None]:
    """Re-raise a failure the caller can act on as a RequestError (bad input: the assistant
    raises ValueError for it) or Unavailable, carrying its message."""
    try:
        yield
    except UNAVAILABLE_ERRORS as exc:
        raise Unavailable(str(exc)) from exc
    except ValueError as exc:
        raise RequestError(str(exc)) from exc
