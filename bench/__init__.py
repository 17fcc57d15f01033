"""Benchmarks, run as modules from the repository root: `python -m bench.ingest`,
`python -m bench.query`, ... (results in docs/benchmarks.md and docs/evaluation.md)."""
