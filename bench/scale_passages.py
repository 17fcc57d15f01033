"""The passages of bench/scale.py's synthetic store: real chunks of a seed store, each copy
varied so no two are alike, with their real vectors perturbed, written through the ingest's own
write path (`Store.plan_write` / `finish_write`)."""

from __future__ import annotations

import argparse
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import console
from ingest.documents import Block, Chunk, DocMeta, Document, chunk_id, sha256

NOISE = 0.1  # norm of the perturbation added to a reused real vector


@dataclass
class Seed:
    texts: list[str]
    vectors: np.ndarray  # real MiniLM vectors, one per text, unit length


def load_seed(home: Path, docs: Path) -> Seed:
    """The chunks of a store of real documents (ingested into `home` first when it is empty)."""
    from assistant import Assistant

    with Assistant(home=home) as assistant:
        if not assistant.documents():
            console.print(f"seed store: ingesting {docs}")
            assistant.ingest(docs, progress=True)
        ids = sorted(assistant.store.registry.all_chunk_ids())
        texts, vectors = [], []
        for i in range(0, len(ids), 2000):
            got = assistant.store.collection.get(ids=ids[i : i + 2000],
                                                 include=["documents", "embeddings"])
            texts += list(got["documents"] or [])
            vectors.append(np.asarray(got["embeddings"], dtype=np.float32))
    matrix = np.concatenate(vectors)
    return Seed(texts, matrix / np.linalg.norm(matrix, axis=1, keepdims=True))


def varied(text: str, copy: int, company: str) -> str:
    """A seed passage made distinct for its copy: the company in front, numbers shifted."""
    if copy:
        text = re.sub(r"\d+", lambda m: str(int(m.group()) + copy), text)
    return f"{company}: {text}"


@dataclass
class Filing:
    n: int  # the filing's number in the run
    doc: Document
    chunks: list[Chunk]
    vectors: np.ndarray


def synthetic_filing(n: int, seed: Seed, per_filing: int, per_company: int,
                     rng: np.random.Generator) -> Filing:
    company_n, nth = divmod(n, per_company)
    company = f"Scale Test Co {company_n:04d}"
    year, quarter = 2000 + nth // 4, nth % 4 + 1
    form = "10-K" if quarter == 4 else "10-Q"
    period = f"FY{year}" if form == "10-K" else f"Q{quarter} FY{year}"
    meta = DocMeta(title=f"{company} {form} {period}", source=f"scale://{company_n}/{nth}",
                   company=company, ticker=f"ST{company_n:04d}", cik=str(9_000_000 + company_n),
                   form=form, period=period, filed=f"{year}-{quarter * 3:02d}-15")
    first = n * per_filing
    bases = [(first + i) % len(seed.texts) for i in range(per_filing)]
    texts = [varied(seed.texts[b], (first + i) // len(seed.texts), company)
             for i, b in enumerate(bases)]
    text = "\n\n".join(texts)
    blocks, chunks, start = [], [], 0
    doc_id = sha256(meta.source)[:16]
    for i, t in enumerate(texts):
        page = i // 3 + 1
        blocks.append(Block(start=start, end=start + len(t), page=page))
        chunks.append(Chunk(chunk_id=chunk_id(doc_id, t, i), doc_id=doc_id, text=t, start=start,
                            end=start + len(t), page=page))
        start += len(t) + 2
    noise = rng.standard_normal((per_filing, seed.vectors.shape[1])).astype(np.float32)
    noise *= NOISE / np.linalg.norm(noise, axis=1, keepdims=True)
    vectors = seed.vectors[bases] + noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return Filing(n, Document(text=text, kind="text", meta=meta, blocks=blocks), chunks, vectors)


class Grower:
    """Writes synthetic filings into a store through the ingest's write path, keeping every
    vector written (as float16) for the exact-search recall check."""

    def __init__(self, store: Any, seed: Seed, args: argparse.Namespace) -> None:
        self.store, self.seed, self.args = store, seed, args
        self.rng = np.random.default_rng(0)
        self.filings = 0
        self.ids: list[str] = []
        self.vectors = np.zeros((0, seed.vectors.shape[1]), dtype=np.float16)
        self.doc_ids: list[str] = []
        self.companies: list[str] = []
        self.reused = 0  # passages found already stored (a rerun over a kept --workdir)

    def grow_to(self, passages: int) -> float:
        """Seconds it took to write filings until the store holds `passages` of them."""
        start, parts = time.perf_counter(), [self.vectors]
        with self.store.writer():
            while self.filings * self.args.passages_per_filing < passages:
                filing = synthetic_filing(self.filings, self.seed, self.args.passages_per_filing,
                                          self.args.filings_per_company, self.rng)
                plan = self.store.plan_write(filing.doc, filing.chunks)
                if plan is not None:  # None: stored by an earlier run over the same --workdir
                    vector_of = dict(zip(plan.embedded, filing.vectors, strict=True))
                    fresh = [vector_of[t] for t in plan.to_embed]
                    self.store.finish_write(plan, np.stack(fresh) if fresh else
                                            np.zeros((0, self.seed.vectors.shape[1]),
                                                     np.float32))
                else:
                    self.reused += len(filing.chunks)
                self.ids += [c.chunk_id for c in filing.chunks]
                parts.append(filing.vectors.astype(np.float16))
                self.doc_ids.append(filing.doc.doc_id)
                self.companies.append(filing.doc.meta.company or "")
                self.filings += 1
                if self.filings % 50 == 0:
                    console.print(f"  {self.filings * self.args.passages_per_filing:,} passages, "
                                  f"{time.perf_counter() - start:.0f} s")
        self.vectors = np.concatenate(parts)
        return time.perf_counter() - start


