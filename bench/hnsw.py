"""Chroma's HNSW settings against exact search, on real passages: recall@10, query time, build time.

    nice -n 10 .venv/bin/python -m bench.hnsw --stores S1,S2,S3 [--size 100000] [--no-write]

Vectors: every chunk vector of the given Dossier stores (read from their Chroma collections,
only the chunks their registries name; exact duplicates dropped), less a held-out sample used as
queries. With --size above their count, the rest are derived points: the normalised midpoint of
two random real vectors (distinct from every real one and lying among them, not noise around a
copy). Queries: the dev sets' questions (docugami, FinanceBench, TAT-QA) embedded by the real
model, and the held-out chunk vectors. Truth: exact cosine top 10 over the indexed vectors.

For each M x ef_construction a fresh collection is built (timed), then for each ef_search a
fresh process sets it (`collection.modify`, before the index is loaded there: a process that has
already loaded the index keeps the ef_search it loaded with) and queries one vector at a time.
Results go to the `hnsw` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import common
from bench.common import p50_p95

COLLECTION = "hnsw-bench"
DOCUGAMI = common.DEFAULT_QUESTIONS
FINANCEBENCH = Path("/work/shared/eval/financebench_dev/financebench_dev.jsonl")
TATQA = Path("/work/shared/eval/tatqa/tatqa_dataset_dev.json")
EF_SEARCH = (10, 50, 100, 200)
BUILDS = ((16, 100), (16, 200), (32, 100), (32, 200))  # (M, ef_construction)
K = 10


def _client(path: Path) -> object:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(path=str(path),
                                     settings=ChromaSettings(anonymized_telemetry=False))


def store_vectors(home: Path) -> np.ndarray:
    """The chunk vectors a Dossier store holds in Chroma, for the chunks its registry names."""
    from ingest.registry import Registry

    registry = Registry(home / "registry.sqlite3")
    ids = sorted(registry.all_chunk_ids())
    registry.close()
    collection = _client(home / "chroma").get_collection("dossier")  # type: ignore[attr-defined]
    parts = []
    for i in range(0, len(ids), 2000):
        got = collection.get(ids=ids[i : i + 2000], include=["embeddings"])
        parts.append(np.asarray(got["embeddings"], dtype=np.float32))
    return np.concatenate(parts)


def unit(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def derived(real: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n points between real vectors: the normalised midpoint of two distinct random ones."""
    a = rng.integers(0, len(real), n)
    b = (a + rng.integers(1, len(real), n)) % len(real)
    return unit(real[a] + real[b])


def dev_questions(per_set: int) -> list[str]:
    """Up to per_set questions of each dev set, in file order."""
    docugami = common.question_texts(DOCUGAMI)[:per_set]
    with FINANCEBENCH.open(encoding="utf-8") as f:
        financebench = [json.loads(line)["question"] for line in f if line.strip()][:per_set]
    tatqa = [q["question"] for item in json.loads(TATQA.read_text(encoding="utf-8"))
             for q in item["questions"]][:per_set]
    return docugami + financebench + tatqa


def exact_top(vectors: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Row numbers of each query's exact cosine top K (vectors and queries unit length)."""
    scores = queries @ vectors.T
    top = np.argpartition(-scores, K, axis=1)[:, :K]
    return np.asarray(top)


def build(path: Path, vectors: np.ndarray, m: int, ef_construction: int) -> float:
    """Seconds to add every vector to a fresh collection with these settings."""
    collection = _client(path).create_collection(  # type: ignore[attr-defined]
        COLLECTION, embedding_function=None,
        configuration={"hnsw": {"space": "cosine", "max_neighbors": m,
                                "ef_construction": ef_construction}})
    ids = [str(i) for i in range(len(vectors))]
    start = time.perf_counter()
    for i in range(0, len(vectors), 5000):
        collection.add(ids=ids[i : i + 5000], embeddings=vectors[i : i + 5000])
    return time.perf_counter() - start


def query_child(path: Path, ef_search: int) -> None:
    """In a fresh process: set ef_search, query every vector of path/queries.npy, print JSON."""
    collection = _client(path).get_collection(COLLECTION)  # type: ignore[attr-defined]
    collection.modify(configuration={"hnsw": {"ef_search": ef_search}})
    queries = np.load(path / "queries.npy")
    found, ms = [], []
    for q in queries:
        start = time.perf_counter()
        got = collection.query(query_embeddings=[q], n_results=K, include=[])
        ms.append((time.perf_counter() - start) * 1000)
        found.append([int(i) for i in got["ids"][0]])
    read_back = _client(path).get_collection(  # type: ignore[attr-defined]
        COLLECTION).configuration_json
    print(json.dumps({"found": found, "ms": ms, "ef_search": read_back["hnsw"]["ef_search"]}))


def measure(path: Path, ef_search: int, truth: np.ndarray, n_questions: int) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-m", "bench.hnsw", "--child", str(path),
                           str(ef_search)], capture_output=True, text=True, check=True,
                          cwd=common.REPO)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    if out["ef_search"] != ef_search:
        raise RuntimeError(f"ef_search {ef_search} did not reach the collection: {out}")
    recall = [len(set(f) & set(t.tolist())) / K for f, t in zip(out["found"], truth, strict=True)]
    p50, p95 = p50_p95(out["ms"])
    return {"questions": float(np.mean(recall[:n_questions])),
            "passages": float(np.mean(recall[n_questions:])), "p50": p50, "p95": p95}


def run(vectors: np.ndarray, queries: np.ndarray, n_questions: int,
        builds: list[tuple[int, int]], efs: list[int]) -> list[list[str]]:
    truth = exact_top(vectors, queries)
    rows = []
    for m, ef_construction in builds:
        with tempfile.TemporaryDirectory(prefix="dossier-hnsw-") as tmp:
            path = Path(tmp)
            build_s = build(path, vectors, m, ef_construction)
            np.save(path / "queries.npy", queries)
            for ef in efs:
                r = measure(path, ef, truth, n_questions)
                rows.append([f"{len(vectors):,}", str(m), str(ef_construction), str(ef),
                             f"{r['questions']:.3f}", f"{r['passages']:.3f}",
                             f"{r['p50']:.1f} / {r['p95']:.1f}", f"{build_s:.0f}"])
                common.console.print(rows[-1])
    return rows


def parse_builds(text: str) -> list[tuple[int, int]]:
    """'16x100,32x200' -> [(16, 100), (32, 200)]: M x ef_construction."""
    return [(int(m), int(e)) for m, e in (b.split("x") for b in text.split(","))]


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        query_child(Path(sys.argv[2]), int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", required=True,
                        help="comma-separated Dossier stores (DOSSIER_HOME folders) to read")
    parser.add_argument("--size", type=int, default=0,
                        help="also measure at this many vectors (real + derived midpoints)")
    parser.add_argument("--questions", type=int, default=100, help="per dev set")
    parser.add_argument("--held-out", type=int, default=200)
    parser.add_argument("--builds", default=",".join(f"{m}x{e}" for m, e in BUILDS),
                        help="M x ef_construction pairs, e.g. 16x100,32x200")
    parser.add_argument("--size-builds", default=None,
                        help="the builds measured at --size (default: every one of --builds)")
    parser.add_argument("--ef-search", default=",".join(map(str, EF_SEARCH)))
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    from ingest.embeddings import LocalMiniLM

    header = common.machine_lines()
    stores = [Path(s) for s in args.stores.split(",")]
    real = np.unique(unit(np.concatenate([store_vectors(s) for s in stores])), axis=0)
    rng = np.random.default_rng(0)
    held = rng.choice(len(real), args.held_out, replace=False)
    indexed = np.delete(real, held, axis=0)
    questions = dev_questions(args.questions)
    queries = np.concatenate([unit(LocalMiniLM().embed(questions)), real[held]])
    builds = parse_builds(args.builds)
    efs = [int(e) for e in args.ef_search.split(",")]
    rows = run(indexed, queries, len(questions), builds, efs)
    if args.size > len(indexed):
        grown = np.concatenate([indexed, derived(indexed, args.size - len(indexed), rng)])
        rows += run(grown, queries, len(questions), parse_builds(args.size_builds or args.builds),
                    efs)
    table = common.show(
        "HNSW recall@10 against exact cosine search; query p50 / p95 ms (one vector, k 10)",
        ["vectors", "M", "ef_construction", "ef_search", "recall@10, questions",
         "recall@10, held-out passages", "query ms", "build s"], rows)
    body = "\n".join([
        "## HNSW: recall@10 against exact search, by setting", "",
        *common.dated_lines(header),
        f"- Vectors: {len(real):,} distinct real MiniLM chunk vectors of "
        f"{', '.join(s.name for s in stores)} less {args.held_out} held out"
        + (f"; at {args.size:,}, the rest normalised midpoints of two random real vectors"
           if args.size > len(indexed) else ""),
        f"- Queries: {len(questions)} dev questions (up to {args.questions} each of docugami, "
        f"FinanceBench dev, TAT-QA dev) embedded by the real model, and the {args.held_out} "
        "held-out chunk vectors", "", table])
    if not args.no_write:
        common.write_section("hnsw", body)


if __name__ == "__main__":
    main()
