"""One ingest process for bench/writers.py: `Assistant.ingest` on the files given, with the
settings of the environment (DOSSIER_HOME, DOSSIER_CHROMA_URL, DOSSIER_EMBEDDING_*), as
`dossier ingest` would run; what it did and what it stored go to a JSON file.

    python -m bench.ingest_worker --out result.json [--wait SECONDS] FILE...

`--wait`: seconds to wait for another process's writer lock on the same store.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import time
from pathlib import Path
from typing import Any

from assistant import Assistant

SAMPLED_VECTORS = 1  # per document: its first chunk's vector, to compare embedders across runs


def stored(assistant: Assistant) -> dict[str, dict[str, Any]]:
    """Per stored document (by file name): its chunk count, a digest of its chunk ids (content
    hashes: equal digests, equal chunks) and its first chunk's vector as Chroma holds it."""
    registry, collection = assistant.store.registry, assistant.store.collection
    out: dict[str, dict[str, Any]] = {}
    for record in registry.documents():
        ids = registry.chunk_ids_of(record.doc_id)
        got = collection.get(ids=ids[:SAMPLED_VECTORS], include=["embeddings"])
        vectors = [[float(x) for x in v] for v in got["embeddings"]]
        out[Path(record.source).name] = {
            "chunks": record.n_chunks,
            "ids_sha256": hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest(),
            "vector": vectors[0] if vectors else [],
        }
    return out


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def run(files: list[str], wait_s: float = 0.0) -> dict[str, Any]:
    started = time.time()
    with Assistant() as assistant:
        assistant.store  # noqa: B018 (opening the store is part of the run, timed apart)
        opened, cpu_at_open = time.time(), cpu_seconds(resource.RUSAGE_SELF)
        report = assistant.ingest(files, progress=False, wait_for_lock_s=wait_s)
        ingested = time.time()
        documents = stored(assistant)
        vectors = assistant.store.collection.count()
        chunk_ids = len(assistant.store.registry.all_chunk_ids())
    return {
        "files": len(files), "started": started, "opened": opened, "ingest_s": ingested - opened,
        "embed_s": report.embed_s, "embedded": report.embedded, "chunks": report.chunks,
        "added": len(report.added), "failed": report.failed, "documents": documents,
        "vectors": vectors, "registry_chunk_ids": chunk_ids,
        "cpu_start_s": cpu_at_open,  # imports and opening the store
        "cpu_self_s": cpu_seconds(resource.RUSAGE_SELF),
        "cpu_children_s": cpu_seconds(resource.RUSAGE_CHILDREN),  # the embedding worker, if any
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "children_peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--wait", type=float, default=0.0)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    args.out.write_text(json.dumps(run(args.files, args.wait)), encoding="utf-8")


if __name__ == "__main__":
    main()
