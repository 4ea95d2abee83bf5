"""The conversation log: every customer turn, the reply, and why, in the product database."""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from dataclasses import asdict
from typing import Any

from chatbot.errors import UnknownSessionError
from chatbot.types import Reply
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
)


class ConversationLog:
    """Sessions and turns. Shares the knowledge base's SQLite connection (one database file)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._lock = threading.Lock()  # one connection, many request threads: one writer at a time
        migrate(conn, NAMESPACE, MIGRATIONS)

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

    def record_turn(self, session_id: str, *, message: str, reply: Reply, latency_ms: float) -> int:
        """Write one turn (before the reply is shown); returns the turn id."""
        explanation = asdict(reply.explanation)
        intent = reply.explanation.intent
        now = now_iso()
        with self._lock, transaction(self.conn):
            if self.conn.execute("SELECT 1 FROM chat_sessions WHERE id = ?", (session_id,)).fetchone() is None:
                raise UnknownSessionError(
                    "unknown chat session; start a new conversation",
                    expected="a session id",
                    found=session_id,
                )
            cursor = self.conn.execute(
                "INSERT INTO chat_turns (session_id, created_at, message, reply, kind, intent, confidence,"
                " explanation, model_version, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    now,
                    message,
                    reply.text,
                    str(reply.kind),
                    intent.label if intent else None,
                    intent.confidence if intent else None,
                    json.dumps(explanation),
                    reply.explanation.model_version,
                    latency_ms,
                ),
            )
            self.conn.execute("UPDATE chat_sessions SET last_active_at = ? WHERE id = ?", (now, session_id))
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def turns(self, session_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self.conn.execute(
                "SELECT * FROM chat_turns WHERE session_id = ? ORDER BY id", (session_id,)
            ).fetchall()
        return [{**dict(row), "explanation": json.loads(row["explanation"])} for row in rows]
