"""A small load on the real chat: 3 users at once, 2 questions each, through `dossier chat` in
its own process on 127.0.0.1 (bench/load.py measures more users). Zero errors, every question
answered."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.load import DEMO, ingest, run_load, running_chat

pytestmark = pytest.mark.slow


def test_three_users_at_once_get_answers_and_no_errors(tmp_path: Path) -> None:
    pytest.importorskip("gradio_client", reason="gradio_client comes with gradio")
    home = tmp_path / "home"
    ingest(home, [DEMO / "ORCL_8-K_2024-11-14.html", DEMO / "BKE_8-K_2024-11-22_EX-99.1.html"])
    with running_chat(home) as (url, _):
        results = run_load(url, users=3, per_user=2, time_limit=300)
    errors = [e for r in results for e in r.errors]
    assert not errors
    assert [len(r.latencies) for r in results] == [2, 2, 2]
    answers = [a for r in results for a in r.answers]
    assert any("oracle" in a.lower() for a in answers) and any("buckle" in a.lower() for a in answers)
