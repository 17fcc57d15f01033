"""Benchmarks: `python bench/ingest.py`, `python bench/query.py` (results in docs/benchmarks.md)."""
