"""The conversation log: every customer turn, the reply, and why, in the product database."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from dataclasses import asdict
from typing import Any

from chatbot.dialogue import DialogueState
from chatbot.errors import InputError, UnknownSessionError, UnknownTurnError
from chatbot.types import Reply, ReplyKind
from knowledge_base.migrations import Migration, migrate, now_iso, transaction

NAMESPACE = "chatbot_log"
MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "0001_sessions_and_turns",
        (
            """CREATE TABLE chat_sessions (
                id TEXT PRIMARY KEY,
                started_at TEXT NOT NULL,
                last_active_at TEXT NOT NULL,
                channel TEXT NOT NULL DEFAULT 'web',
                flagged_for_staff INTEGER NOT NULL DEFAULT 0
            )""",
            """CREATE TABLE chat_turns (
                id INTEGER PRIMARY KEY,
                session_id TEXT NOT NULL REFERENCES chat_sessions(id),
                created_at TEXT NOT NULL,
                message TEXT NOT NULL,
                reply TEXT NOT NULL,
                kind TEXT NOT NULL,
                intent TEXT,
                confidence REAL,
                explanation TEXT NOT NULL,
                model_version TEXT NOT NULL,
                latency_ms REAL NOT NULL
            )""",
            "CREATE INDEX idx_chat_turns_session ON chat_turns(session_id, id)",
        ),
    ),
    Migration(
        "0002_state_and_feedback",
        (
            """CREATE TABLE chat_state (
                session_id TEXT PRIMARY KEY REFERENCES chat_sessions(id),
                state TEXT NOT NULL,
                updated_at REAL NOT NULL
            )""",
            """CREATE TABLE chat_feedback (
                id INTEGER PRIMARY KEY,
                turn_id INTEGER NOT NULL REFERENCES chat_turns(id),
                rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
                comment TEXT,
                created_at TEXT NOT NULL
            )""",
            "ALTER TABLE chat_turns ADD COLUMN choices TEXT NOT NULL DEFAULT '[]'",
        ),
    ),
)


class ConversationLog:
    """Sessions, turns, dialogue state and feedback. One connection shared by request threads, behind a lock."""

    def __init__(self, conn: sqlite3.Connection, *, state_ttl_seconds: float = 1800.0) -> None:
        self.conn = conn
        self.state_ttl_seconds = state_ttl_seconds
        self._lock = threading.Lock()
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: durable at checkpoints, fast per turn
        migrate(conn, NAMESPACE, MIGRATIONS)

    def close(self) -> None:
        self.conn.close()

    def start_session(self, *, channel: str = "web") -> str:
        session_id = uuid.uuid4().hex
        now = now_iso()
        with self._lock, transaction(self.conn):
            self.conn.execute(
                "INSERT INTO chat_sessions (id, started_at, last_active_at, channel) VALUES (?, ?, ?, ?)",
                (session_id, now, now, channel),
            )
        return session_id

    def has_session(self, session_id: str) -> bool:
        with self._lock:
            row = self.conn.execute("SELECT 1 FROM chat_sessions WHERE id = ?", (session_id,)).fetchone()
        return row is not None

    def load_state(self, session_id: str, *, now: float | None = None) -> DialogueState:
        """The session's dialogue state; a fresh one when none is stored or it expired."""
        now = time.time() if now is None else now
        with self._lock:
            row = self.conn.execute(
                "SELECT state, updated_at FROM chat_state WHERE session_id = ?", (session_id,)
            ).fetchone()
        if row is None:
            return DialogueState()
        if now - row["updated_at"] > self.state_ttl_seconds:
            with self._lock, transaction(self.conn):  # expired: forget the slots it held
                self.conn.execute("DELETE FROM chat_state WHERE session_id = ?", (session_id,))
            return DialogueState()
        return DialogueState.from_json(row["state"])

    def record_turn(
        self,
        session_id: str,
        *,
        message: str,
        reply: Reply,
        latency_ms: float,
        state: DialogueState | None = None,
        now: float | None = None,
    ) -> int:
        """Write one turn, the new dialogue state and the hand-off flag in one transaction; returns the turn id."""
        explanation = asdict(reply.explanation)
        intent = reply.explanation.intent
        stamp = now_iso()
        with self._lock, transaction(self.conn):
            if self.conn.execute("SELECT 1 FROM chat_sessions WHERE id = ?", (session_id,)).fetchone() is None:
                raise UnknownSessionError(session_id)
            cursor = self.conn.execute(
                "INSERT INTO chat_turns (session_id, created_at, message, reply, kind, intent, confidence,"
                " explanation, model_version, latency_ms, choices) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    stamp,
                    message,
                    reply.text,
                    str(reply.kind),
                    intent.label if intent else None,
                    intent.confidence if intent else None,
                    json.dumps(explanation),
                    reply.explanation.model_version,
                    latency_ms,
                    json.dumps([asdict(choice) for choice in reply.choices]),
                ),
            )
            flag = 1 if reply.kind == ReplyKind.HANDOFF else 0
            self.conn.execute(
                "UPDATE chat_sessions SET last_active_at = ?, flagged_for_staff = MAX(flagged_for_staff, ?)"
                " WHERE id = ?",
                (stamp, flag, session_id),
            )
            if state is not None:
                self.conn.execute(
                    "INSERT INTO chat_state (session_id, state, updated_at) VALUES (?, ?, ?)"
                    " ON CONFLICT(session_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                    (session_id, state.to_json(), time.time() if now is None else now),
                )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def record_feedback(self, turn_id: int, *, rating: str, comment: str | None = None) -> int:
        if rating not in ("up", "down"):
            raise InputError("rating must be up or down", expected="'up' or 'down'", found=repr(rating))
        with self._lock, transaction(self.conn):
            if self.conn.execute("SELECT 1 FROM chat_turns WHERE id = ?", (turn_id,)).fetchone() is None:
                raise UnknownTurnError("unknown turn id", expected="the turn_id of a reply", found=str(turn_id))
            cursor = self.conn.execute(
                "INSERT INTO chat_feedback (turn_id, rating, comment, created_at) VALUES (?, ?, ?, ?)",
                (turn_id, rating, comment, now_iso()),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def is_flagged(self, session_id: str) -> bool:
        with self._lock:
            row = self.conn.execute(
                "SELECT flagged_for_staff FROM chat_sessions WHERE id = ?", (session_id,)
            ).fetchone()
        return bool(row and row["flagged_for_staff"])

    def turns(self, session_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self.conn.execute(
                "SELECT * FROM chat_turns WHERE session_id = ? ORDER BY id", (session_id,)
            ).fetchall()
        return [{**dict(row), "explanation": json.loads(row["explanation"])} for row in rows]

    def feedback(self, turn_id: int) -> list[dict[str, Any]]:
        with self._lock:
            rows = self.conn.execute("SELECT * FROM chat_feedback WHERE turn_id = ? ORDER BY id", (turn_id,)).fetchall()
        return [dict(row) for row in rows]
