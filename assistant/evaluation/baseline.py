"""The FinanceBench paper's plain retrieval pipeline, the anchor Dossier is measured against:
PDF pages via PyPDFLoader (HTML via lxml's text_content(), text as is) →
RecursiveCharacterTextSplitter(1024, 30) → langchain_chroma.Chroma → similarity_search, top 4,
embedding with the same model as Dossier through `ingest.embeddings.LangChainEmbeddings`.

Needs the `bench` extra (langchain-chroma, langchain-community, pypdf). Used by `dossier eval
--baseline` and the scripts in bench/.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import track

from assistant.errors import DossierError
from assistant.evaluation.metrics import Hit

if TYPE_CHECKING:
    from langchain_core.documents import Document as LCDocument
    from langchain_core.embeddings import Embeddings

CHUNK_SIZE = 1024
CHUNK_OVERLAP = 30
TOP_K = 4  # passages the paper's pipeline hands to its model
COLLECTION = "langchain"
MARKER = "dev-baseline.json"  # written when a build finishes: what it was built from
PYPDF_ARRAY_LIMIT = 10_000_000
INSTALL_HINT = "pip install -e '.[bench]'"
LABEL = "plain LangChain + Chroma"


class BaselineUnavailable(DossierError, RuntimeError):
    """The bench extra is not installed."""


def require() -> None:
    """Fail early, with the install command, when the plain pipeline's packages are missing."""
    missing = []
    for module, package in (("langchain_chroma", "langchain-chroma"),
                            ("langchain_community", "langchain-community"), ("pypdf", "pypdf")):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # langchain-community's notice
                __import__(module)
        except ImportError:
            missing.append(package)
    if missing:
        raise BaselineUnavailable(
            f"the plain LangChain baseline needs {', '.join(missing)} (the bench extra): "
            f"run `{INSTALL_HINT}`, or leave out --baseline")


def chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


# loading ---------------------------------------------------------------------------------------
@contextlib.contextmanager
def pypdf_limits() -> Iterator[None]:
    """Recent pypdf (7.x) refuses arrays and dictionaries past its element limits, which some
    10-Qs (two of the docugami MSFT files) exceed; releases before these limits read them.
    Raise the limits so the baseline sees every file."""
    try:
        from pypdf import apply_configuration
    except ImportError:  # an older pypdf: no limits to lift
        yield
        return
    with apply_configuration(array_maximum_element_count=PYPDF_ARRAY_LIMIT,
                             dictionary_maximum_element_count=PYPDF_ARRAY_LIMIT):
        yield


def pypdf_load(path: Path, refused: list[str]) -> list[LCDocument]:
    """PyPDFLoader(path).load(). A file stock pypdf refuses by its resource limits
    (LimitReachedError) is noted in `refused` and read again with the limits raised, so that
    both pipelines read the same pages."""
    from pypdf.errors import LimitReachedError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # langchain-community's sunset notice
        from langchain_community.document_loaders import PyPDFLoader
    try:
        return PyPDFLoader(path).load()
    except LimitReachedError as exc:
        refused.append(f"{path.name} (LimitReachedError: {exc})")
        with pypdf_limits():
            return PyPDFLoader(path).load()


def load_file(path: Path, refused: list[str]) -> list[LCDocument]:
    """A file as the plain pipeline reads it: one document per PDF page, else the whole text."""
    from langchain_core.documents import Document as LCDocument

    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return pypdf_load(path, refused)
    if suffix in {".html", ".htm", ".xhtml"}:
        import lxml.html

        text = lxml.html.fromstring(path.read_bytes()).text_content()
    else:
        text = path.read_text(errors="replace")
    return [LCDocument(page_content=text, metadata={"source": str(path)})]


def split(docs: Sequence[LCDocument]) -> list[LCDocument]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    return splitter.split_documents(list(docs))


# the store -------------------------------------------------------------------------------------
def _fingerprint(files: Sequence[str]) -> dict[str, Any]:
    return {"files": [Path(f).name for f in files],
            "bytes": [Path(f).stat().st_size if Path(f).exists() else None for f in files],
            "chunk_size": CHUNK_SIZE, "chunk_overlap": CHUNK_OVERLAP}


def open_or_build(files: Sequence[str], home: Path, embeddings: Embeddings, *, batch: int = 256,
                  console: Console | None = None, progress: bool = True) -> tuple[Any, dict[str, Any]]:
    """The plain pipeline's Chroma store of `files` under `home`, reused when a finished build
    of the same files (names and sizes) is there, else built afresh. Returns (store, info):
    info has chunks, build_s, failed (file -> reason) and refused (files pypdf's limits
    stopped at first)."""
    require()
    from langchain_chroma import Chroma

    console = console or Console(stderr=True)
    marker = home / MARKER
    want = _fingerprint(files)
    if marker.exists():
        info = json.loads(marker.read_text())
        if {k: v for k, v in info.items() if k in want} == want:
            store = Chroma(collection_name=COLLECTION, persist_directory=str(home),
                           embedding_function=embeddings, client_settings=chroma_settings())
            console.print(f"plain store {home}: reused, {info['chunks']:,} chunks")
            return store, info
    if home.exists():
        shutil.rmtree(home)  # an unfinished or different build
    start = time.perf_counter()
    pages: list[LCDocument] = []
    failed: dict[str, str] = {}
    refused: list[str] = []
    for f in track(files, "plain: loading", console=console, disable=not progress):
        try:
            pages += load_file(Path(f), refused)
        except Exception as exc:  # the plain pipeline would stop; note it and go on
            failed[Path(f).name] = f"{type(exc).__name__}: {exc}"
            console.print(f"  [yellow]plain: failed[/] {f}: {failed[Path(f).name]}", highlight=False)
    docs = split(pages)
    store = Chroma(collection_name=COLLECTION, persist_directory=str(home),
                   embedding_function=embeddings, client_settings=chroma_settings())
    for i in track(range(0, len(docs), batch), f"plain: embed + add {len(docs):,} chunks",
                   console=console, disable=not progress):
        store.add_documents(docs[i : i + batch])
    seconds = time.perf_counter() - start
    info = {**want, "chunks": len(docs), "build_s": round(seconds), "failed": failed,
            "refused": refused}
    marker.write_text(json.dumps(info))
    console.print(f"plain store {home}: built, {len(docs):,} chunks ({seconds:.0f} s)")
    return store, info


def search(store: Any, question: str, k: int = TOP_K) -> list[Hit]:
    """The top k passages as scoring sees them; PyPDFLoader's 0-based page made 1-based."""
    out = []
    for d in store.similarity_search(question, k=k):
        page = d.metadata.get("page")
        out.append(Hit(str(d.metadata.get("source", "")), int(page) + 1 if page is not None else None))
    return out
