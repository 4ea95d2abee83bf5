"""Schema migrations, applied at start-up.

Each package owns a *namespace* of migrations (an ordered tuple of `Migration`); the `_migrations` table
records which ones ran. A migration runs inside one transaction together with its bookkeeping row, so a
crash leaves the database at the previous version. Migrations are append-only: never edit a released one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Migration:
    name: str
    statements: tuple[str, ...]


def connect(path: Path | str) -> sqlite3.Connection:
    """A connection in autocommit mode: transactions are explicit (`transaction()`), never implicit."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception (which is re-raised)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _ensure_table(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS _migrations ("
        " namespace TEXT NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL,"
        " PRIMARY KEY (namespace, name))"
    )


def applied(conn: sqlite3.Connection, namespace: str) -> list[str]:
    _ensure_table(conn)
    rows = conn.execute("SELECT name FROM _migrations WHERE namespace = ? ORDER BY rowid", (namespace,)).fetchall()
    return [row["name"] for row in rows]


def migrate(conn: sqlite3.Connection, namespace: str, migrations: Sequence[Migration]) -> list[str]:
    """Apply the migrations of `namespace` that have not run yet, in order. Returns the names applied."""
    done = set(applied(conn, namespace))
    names = [m.name for m in migrations]
    if len(set(names)) != len(names):
        raise ValueError(f"migration names repeat in namespace {namespace!r}: {names}")
    ran = []
    for migration in migrations:
        if migration.name in done:
            continue
        with transaction(conn):
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO _migrations (namespace, name, applied_at) VALUES (?, ?, ?)",
                (namespace, migration.name, now_iso()),
            )
        ran.append(migration.name)
    return ran


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
