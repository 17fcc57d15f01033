"""Conversations that last: each chat conversation (its questions as typed, the answers with
their citations and verification, the filters and scope, the mode, when it was asked) in SQLite
under DOSSIER_HOME (`conversations.sqlite3`, beside the registry), so the chat can list them
newest first, reopen, rename and delete them.

Every call names its user: a user only ever sees, changes or deletes their own conversations
(the chat passes the login name when DOSSIER_AUTH is on, "" otherwise). Schema changes are
numbered migrations (`PRAGMA user_version`), as in ingest/registry/.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.errors import DossierError, InputError
from assistant.models import Answer
from ingest.migrations import connect, migrate

FILE_NAME = "conversations.sqlite3"
TITLE_MAX = 120

MIGRATIONS: list[str] = [
    # 1: conversations (per user) and their turns, each answer stored whole as JSON
    """
    CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        user TEXT NOT NULL,
        title TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX conversations_newest ON conversations(user, updated_at DESC);
    CREATE TABLE turns (
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        question TEXT NOT NULL,
        mode TEXT NOT NULL,
        scope TEXT,
        filters_json TEXT NOT NULL,
        answer_json TEXT NOT NULL,
        asked_at TEXT NOT NULL,
        PRIMARY KEY (conversation_id, ordinal)
    );
    """,
]


class ConversationNotFound(DossierError, LookupError):
    """No conversation with this id belongs to this user (it was deleted, or is someone else's)."""


@dataclass(frozen=True)
class ConversationSummary:
    """One line of the conversation list."""

    id: str
    title: str
    created_at: str
    updated_at: str
    questions: int


@dataclass(frozen=True)
class Turn:
    """One question as the user typed it, its answer, and the filters it was asked with."""

    question: str
    answer: Answer
    filters: dict[str, Any] = field(default_factory=dict)
    asked_at: str = ""


@dataclass(frozen=True)
class Conversation:
    summary: ConversationSummary
    turns: list[Turn]

    @property
    def id(self) -> str:
        return self.summary.id

    @property
    def title(self) -> str:
        return self.summary.title

    @property
    def last_searched(self) -> str | None:
        """The last question as searched (a rewritten follow-up's standalone text): what the
        next follow-up builds on."""
        last = self.turns[-1].answer if self.turns else None
        return (last.searched or last.question) if last else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def title_of(question: str) -> str:
    """A conversation's title from its first question: whitespace collapsed, at most TITLE_MAX
    characters (cut at a word, with an ellipsis)."""
    text = " ".join(question.split())
    if len(text) <= TITLE_MAX:
        return text
    return text[: TITLE_MAX - 1].rsplit(" ", 1)[0] + "…"


class ConversationStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = connect(path)
        self._lock = threading.Lock()  # the chat's worker threads share this connection
        migrate(self.db, MIGRATIONS)

    @classmethod
    def at_home(cls, home: str | Path) -> ConversationStore:
        return cls(Path(home) / FILE_NAME)

    def close(self) -> None:
        self.db.close()

    # writing ---------------------------------------------------------------------------------
    def add_turn(self, conversation_id: str | None, user: str, question: str, answer: Answer,
                 filters: dict[str, Any] | None = None) -> str:
        """Store one answered question; without `conversation_id`, first start a conversation
        titled by the question. The conversation's id."""
        now = _now()
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                if conversation_id is None:
                    conversation_id = uuid.uuid4().hex
                    self.db.execute("INSERT INTO conversations VALUES (?, ?, ?, ?, ?)",
                                    (conversation_id, user, title_of(question), now, now))
                elif not self.db.execute(
                        "UPDATE conversations SET updated_at=? WHERE id=? AND user=?",
                        (now, conversation_id, user)).rowcount:
                    raise ConversationNotFound(f"no conversation {conversation_id!r} of yours")
                self.db.execute(
                    "INSERT INTO turns SELECT ?, COUNT(*) + 1, ?, ?, ?, ?, ?, ? FROM turns "
                    "WHERE conversation_id=?",
                    (conversation_id, question, answer.mode, answer.scope,
                     json.dumps(filters or {}, sort_keys=True), answer.model_dump_json(), now,
                     conversation_id))
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        return conversation_id

    def rename(self, conversation_id: str, user: str, title: str) -> str:
        """Give a conversation a new title (whitespace collapsed); the title stored."""
        title = title_of(title)
        if not title:
            raise InputError("a conversation's title cannot be empty: type a title first")
        with self._lock:
            changed = self.db.execute("UPDATE conversations SET title=? WHERE id=? AND user=?",
                                      (title, conversation_id, user)).rowcount
        if not changed:
            raise ConversationNotFound(f"no conversation {conversation_id!r} of yours")
        return title

    def delete(self, conversation_id: str, user: str) -> bool:
        """Delete a conversation and its turns; False when the user has none by that id."""
        with self._lock:
            return bool(self.db.execute("DELETE FROM conversations WHERE id=? AND user=?",
                                        (conversation_id, user)).rowcount)

    # reading ---------------------------------------------------------------------------------
    _SUMMARY = ("SELECT c.id, c.title, c.created_at, c.updated_at, "
                "(SELECT COUNT(*) FROM turns t WHERE t.conversation_id = c.id) FROM conversations c ")

    def newest(self, user: str, limit: int | None = None) -> list[ConversationSummary]:
        """The user's conversations, the most recently continued first."""
        with self._lock:
            rows = self.db.execute(
                self._SUMMARY + "WHERE c.user=? ORDER BY c.updated_at DESC, c.rowid DESC LIMIT ?",
                (user, -1 if limit is None else limit)).fetchall()
        return [ConversationSummary(*row) for row in rows]

    def get(self, conversation_id: str, user: str) -> Conversation:
        with self._lock:
            row = self.db.execute(self._SUMMARY + "WHERE c.id=? AND c.user=?",
                                  (conversation_id, user)).fetchone()
            if row is None:
                raise ConversationNotFound(f"no conversation {conversation_id!r} of yours")
            turns = self.db.execute(
                "SELECT question, answer_json, filters_json, asked_at FROM turns "
                "WHERE conversation_id=? ORDER BY ordinal", (conversation_id,)).fetchall()
        return Conversation(ConversationSummary(*row), [
            Turn(question, Answer.model_validate_json(answer), json.loads(filters), asked_at)
            for question, answer, filters, asked_at in turns])
