"""The LLM judge for answer match: used only when an OpenAI-compatible endpoint is configured
(OPENAI_BASE_URL or OPENAI_API_KEY, and DOSSIER_LLM_MODEL), and its column labelled with the
model, so a judged score is never mistaken for the offline one."""

from __future__ import annotations

import logging
from typing import Any

import prompts
from assistant.config import Settings
from assistant.errors import DossierError

log = logging.getLogger(__name__)


class JudgeUnavailable(DossierError, RuntimeError):
    """--judge without an LLM endpoint."""


class LLMJudge:
    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        llm = settings.llm
        if not llm.configured:
            raise JudgeUnavailable(
                "--judge needs an LLM endpoint: set DOSSIER_LLM_MODEL and OPENAI_BASE_URL (or "
                "OPENAI_API_KEY), or leave out --judge")
        self.model = str(llm.model)
        self.label = f"LLM judge ({self.model})"
        if client is None:
            from openai import OpenAI

            client = OpenAI(base_url=llm.base_url, api_key=llm.api_key_value() or "none",
                            timeout=60, max_retries=2)
        self.client = client
        self.errors = 0

    def __call__(self, question: str, gold: str, answer: str) -> bool | None:
        """True or False as the model grades; None when the call fails or the reply is neither."""
        prompt = prompts.load("eval_judge").format(question=question, gold=gold, answer=answer)
        try:
            reply = self.client.chat.completions.create(
                model=self.model, temperature=0, max_tokens=5,
                messages=[{"role": "user", "content": prompt}],
            )
            text = (reply.choices[0].message.content or "").strip().upper()
        except Exception as exc:  # a judge failure leaves the question unjudged, not the run dead
            self.errors += 1
            log.warning("judge call failed: %s", type(exc).__name__)
            return None
        if text.startswith("INCORRECT"):
            return False
        return True if text.startswith("CORRECT") else None
