"""The typed Python face of Dossier, for notebooks and scripts.

    from assistant import Assistant
    a = Assistant()                      # store in DOSSIER_HOME (or a per-user data folder)
    a.ingest(["filings/", "https://example.com/article"])
    a.search("supply chain risk", k=5, company="Apple")
    a.ask("How much is Alibaba investing in AI?")

Heavy libraries (Chroma, onnxruntime, LangChain...) are imported where a verb first
needs them, so that importing this module, and starting the CLI, stays fast. The verbs delegate
to building.py (the parts, from the settings), ingesting.py, searching.py and answering.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from assistant.answering import answer_stream
from assistant.building import build_embedder, build_searcher, open_store
from assistant.config import Settings, load_settings
from assistant.errors import InputError
from assistant.models import Answer
from ingest.locations import is_url

if TYPE_CHECKING:
    from assistant.answer.computing import ComputedAnswer
    from assistant.question import Question
    from assistant.retrieval import HybridSearcher
    from assistant.scope import SearchResults
    from ingest.documents import DocMeta
    from ingest.embeddings import Embedder
    from ingest.facts import Fact
    from ingest.identity import CompanyIdentity
    from ingest.pipeline import IngestReport
    from ingest.registry import DocRecord
    from ingest.store import Store

AnswerMode = Literal["extractive", "llm"]


class Assistant:
    def __init__(self, home: str | Path | None = None, settings: Settings | None = None,
                 *, embedder: Embedder | None = None, chat_model: Any = None,
                 **groups: dict[str, Any]) -> None:
        """`home`: the store's folder (else settings.store.home). `groups`: settings to change,
        by group, e.g. `retrieval={"k": 4}` (see assistant/config.py); the rest come from
        `settings`, or from the environment and `.env`. `chat_model`: the LangChain chat model
        for `llm` answers (default: ChatOpenAI from the settings, built on the first one)."""
        if home is not None:
            groups["store"] = {**groups.get("store", {}), "home": Path(home).expanduser()}
        self.settings = settings.updated(**groups) if settings else load_settings(**groups)
        self._embedder: Embedder | None = embedder
        self._store: Store | None = None
        self._llm: Any = chat_model

    # lazily built parts ------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = build_embedder(self.settings)
        return self._embedder

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.settings, self.embedder)
        return self._store

    @property
    def searcher(self) -> HybridSearcher:
        return build_searcher(self.settings, self.store)

    @property
    def chat_model(self) -> Any:
        """The LangChain chat model `llm` answers are written by (built on first use)."""
        if self._llm is None:
            from assistant.answer.llm import chat_model

            self._llm = chat_model(self.settings)
        return self._llm

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    # the verbs -------------------------------------------------------------------------------
    def ingest(self, paths: str | Path | Sequence[str | Path], *, progress: bool = True,
               wait_for_lock_s: float = 0.0, forms: str | Sequence[str] | None = None,
               since: str | None = None, **meta: str) -> IngestReport:
        """Load, chunk, embed and store files, folders (recursively), URLs and SEC filings:
        `edgar:AAPL` (or `edgar:320193`) downloads the company's `forms` (default 10-K,10-Q)
        filed on or after `since` ('2022' or '2022-06-30') from EDGAR into DOSSIER_HOME/edgar.
        Raises EdgarError when EDGAR cannot be used (e.g. DOSSIER_SEC_IDENTITY unset)."""
        from assistant.ingesting import ingest_inputs

        inputs = [str(p) for p in ([paths] if isinstance(paths, str | Path) else paths)]
        return ingest_inputs(self, inputs, progress=progress, wait_for_lock_s=wait_for_lock_s,
                             forms=forms, since=since, meta=meta)

    def read(self, text: str | Question, metas: Mapping[str, DocMeta] | None = None) -> Question:
        """`text` read once into a `Question`, its companies matched against the store's
        (`metas`, when already at hand). A `Question` is returned as it is."""
        from assistant.question import Question, read_question

        if isinstance(text, Question):
            return text
        return read_question(text, (), identities=self.store.registry.companies())

    def follow_up(self, question: str | Question, previous: str | Question | None) -> Question:
        """`question` as asked after `previous` (the previous question as searched), read: a
        follow-up ("And iPhone?", "and in 2022?") rewritten with the previous question's topic,
        company and period (assistant/followup.py); any other question as it is."""
        from assistant.followup import rewrite_followup

        metas = self.store.registry.metas()
        asked = self.read(question, metas)
        if previous is None or (isinstance(previous, str) and not previous.strip()):
            return asked
        before = self.read(previous, metas)
        texts: dict[str, str] = {}

        def mentioned(name: str) -> bool:
            """Whether the previous question's companies' documents name `name`."""
            pattern = re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE)
            for doc_id, meta in metas.items():
                if meta.company in before.companies:
                    if doc_id not in texts:
                        texts[doc_id] = self.store.registry.document_text(doc_id) or ""
                    if pattern.search(texts[doc_id]):
                        return True
            return False

        rewritten = rewrite_followup(asked, before, mentioned)
        return asked if rewritten == asked.text else self.read(rewritten, metas)

    def search(self, query: str | Question, k: int | None = None, *, siblings: int = 0,
               **filters: Any) -> SearchResults:
        """Passages for a query, best first. With no filters given, the companies, forms and
        periods the query names restrict the search (see `.scope` on the result). `siblings`:
        up to this many more chunks of each result's page after the k (for answering)."""
        from assistant.searching import search

        return search(self, query, k, siblings, filters)

    def ask(self, question: str | Question, k: int | None = None, *, mode: str | None = None,
            history: Sequence[Mapping[str, str]] | None = None,
            previous: str | Question | None = None, **filters: Any) -> Answer:
        """Answer a question with cited passages. `mode`: 'llm' (the default when an LLM endpoint
        is configured) writes an answer whose citations and numbers are checked; 'extractive'
        quotes the best sentences. `previous`: the conversation's previous question as searched;
        a follow-up of it ("And iPhone?") is rewritten to stand alone (`follow_up`), and the
        answer's `searched` says how. `history` (OpenAI-style messages of earlier turns) lets the
        LLM mode condense a follow-up too. A question naming two or more companies or periods
        ("Compare Buckle's and Nordstrom's results") is answered in parts (assistant/comparison.py)."""
        answer: Answer | None = None
        for item in self.ask_stream(question, k, mode=mode, history=history, previous=previous,
                                    **filters):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def ask_stream(self, question: str | Question, k: int | None = None, *, mode: str | None = None,
                   history: Sequence[Mapping[str, str]] | None = None,
                   previous: str | Question | None = None,
                   **filters: Any) -> Iterator[str | Answer]:
        """`ask`, streamed: in LLM mode each checked sentence as it completes, then the Answer.
        When the endpoint cannot answer (unreachable, timed out, failing after retries, a broken
        reply) the last item is the extractive answer with a `notice` saying so."""
        typed = self.read(question)
        asked = self.follow_up(typed, previous) if previous is not None else typed
        for item in answer_stream(self, asked, k, mode=mode, history=history, **filters):
            if isinstance(item, Answer) and asked is not typed:
                item.question, item.searched = typed.text, item.searched or asked.text
            yield item

    def answer_mode(self, mode: str | None = None) -> AnswerMode:
        """'llm' or 'extractive': `mode` if given (checked), else 'llm' when an endpoint is set."""
        configured = self.settings.llm.configured
        if mode is None:
            return "llm" if configured else "extractive"
        if mode not in ("llm", "extractive"):
            raise InputError(f"unknown answer mode {mode!r}: use 'extractive' or 'llm'")
        if mode == "llm" and not configured:
            raise InputError("the 'llm' mode needs an LLM endpoint: set DOSSIER_LLM_MODEL and "
                             "OPENAI_BASE_URL (or OPENAI_API_KEY for OpenAI itself)")
        return "llm" if mode == "llm" else "extractive"

    def compute(self, question: Question, passages: SearchResults,
                doc_ids: Sequence[str] | None = None) -> ComputedAnswer | None:
        """The figure `question` asks Dossier to compute (a change, a ratio, a metric), from the
        facts of the documents searched: `doc_ids` (a filter), else those its scope names, else
        those the passages are from."""
        from assistant.answer.computing import compute_for

        scoped = passages.scope.doc_ids if passages.scope else []
        # the companies' names are the scope's, not the row's ("Activision Blizzard's revenue")
        return compute_for(question.without_companies or question.text, self.store.registry,
                           list(doc_ids or scoped or dict.fromkeys(p.doc_id for p in passages)))

    def documents(self) -> list[DocRecord]:
        return self.store.registry.documents()

    def companies(self) -> list[CompanyIdentity]:
        """The stored companies, one per CIK (else per name): legal name, ticker, CIK, and every
        other spelling as an alias (short names, initials, the cover's name, former names)."""
        return self.store.registry.companies()

    def figures(self, company: str | None = None, period: str | None = None,
                statement: str | None = None, line_item: str | None = None) -> list[Fact]:
        """The figures of the stored financial tables (ingest/facts.py), filtered: `company` a
        part of its name or its ticker, `period` a fiscal label ('FY2023', 'Q2 FY2023'),
        `statement` a vocabulary statement id ('income_statement'), `line_item` a vocabulary
        line-item id ('revenue') or a part of the row label."""
        return self.store.registry.facts(company=company, fiscal_period=period,
                                         statement=statement, line_item=line_item)

    def delete(self, doc: str) -> bool:
        """Delete a document by doc id, source path or URL. A filing's path or id takes its
        exhibits (stored as `path#EX-99.1`, linked by `parent`) with it."""
        records = self.documents()
        path = (doc if is_url(doc)
                else Path(doc).expanduser().resolve().as_posix())
        chosen = {r.doc_id for r in records if doc in (r.doc_id, r.source) or r.source == path}
        chosen |= {r.doc_id for r in records if r.meta.parent in chosen}
        if not chosen:
            return False
        with self.store.writer():
            for doc_id in sorted(chosen):
                self.store.delete(doc_id)
        return True

    def status(self) -> dict[str, Any]:
        docs = self.documents()
        store, llm = self.settings.store, self.settings.llm
        return {
            "home": str(store.home),
            "documents": len(docs),
            "chunks": self.store.count_chunks(),
            "embedding_model": self.embedder.model_name,
            "dimension": self.embedder.dimension,
            "chroma": store.chroma_url or "embedded",
            "llm": llm.model if llm.configured else None,
        }

    def chat(self, **launch_kwargs: Any) -> Any:
        """Open the research chat on this assistant's store: inline in a notebook, else a local
        server on 127.0.0.1:7860. Keyword arguments go to Gradio's `launch` (server_port,
        height, inline, auth...); share links are not offered. Returns the `ChatApp`: call
        `.close()` on it to stop the server."""
        from assistant.ui import open_chat  # the UI depends on the API: imported only here

        return open_chat(self, **launch_kwargs)

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

