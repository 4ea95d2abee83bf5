"""Schema migrations: fresh databases, re-runs, upgrades of older databases, failures (knowledge_base.migrations)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from knowledge_base.migrations import Migration, applied, connect, migrate
from knowledge_base.schema import MIGRATIONS, NAMESPACE
from knowledge_base.store import KnowledgeBase, NewDataset
from knowledge_base.types import QAPair

ALL_NAMES = [m.name for m in MIGRATIONS]


def tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {row["name"] for row in rows}


def columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row["name"] for row in conn.execute(f"PRAGMA table_info({table})")}


def test_fresh_database_gets_every_migration(tmp_path: Path) -> None:
    with KnowledgeBase(tmp_path / "kb.db") as kb:
        assert applied(kb.conn, NAMESPACE) == ALL_NAMES
        assert {"datasets", "conversations", "turns", "qa_pairs", "utterances"} <= tables(kb.conn)
        assert "pii_masked" in columns(kb.conn, "datasets")


def test_migrate_returns_the_names_it_applied_and_nothing_the_second_time(tmp_path: Path) -> None:
    conn = connect(tmp_path / "kb.db")
    try:
        assert migrate(conn, NAMESPACE, MIGRATIONS) == ALL_NAMES
        assert migrate(conn, NAMESPACE, MIGRATIONS) == []
        count = conn.execute("SELECT COUNT(*) FROM _migrations").fetchone()[0]
        assert count == len(MIGRATIONS)
    finally:
        conn.close()


def test_reopening_a_knowledge_base_applies_nothing_new(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    KnowledgeBase(path).close()
    with KnowledgeBase(path) as kb:
        rows = kb.conn.execute("SELECT namespace, name FROM _migrations ORDER BY rowid").fetchall()
    assert [tuple(row) for row in rows] == [(NAMESPACE, name) for name in ALL_NAMES]


def _make_version_one_database(path: Path) -> None:
    """A database as the first release left it: only 0001_initial, one dataset with children."""
    conn = connect(path)
    try:
        assert migrate(conn, NAMESPACE, MIGRATIONS[:1]) == ["0001_initial"]
        assert "pii_masked" not in columns(conn, "datasets")
        conn.execute(
            "INSERT INTO datasets (id, name, source_file, sha256, format, uploaded_by, created_at,"
            " n_conversations, n_turns, n_qa_pairs, n_utterances, warnings)"
            " VALUES (1, 'legacy', 'legacy.jsonl', 'abc123', 'jsonl', 'cli', '2025-01-01T00:00:00+00:00',"
            " 1, 2, 1, 1, '[\"legacy.jsonl:3: skipped: bad\"]')"
        )
        conn.execute(
            "INSERT INTO conversations (id, dataset_id, external_id, intent, metadata)"
            " VALUES (10, 1, 'c1', 'refund', '{\"channel\": \"email\"}')"
        )
        conn.execute(
            "INSERT INTO turns (conversation_id, position, role, text) VALUES"
            " (10, 0, 'customer', 'Can I get my money back?'), (10, 1, 'agent', 'Yes, within 30 days.')"
        )
        conn.execute(
            "INSERT INTO qa_pairs (dataset_id, conversation_id, question, answer, intent, count)"
            " VALUES (1, 10, 'Can I get my money back?', 'Yes, within 30 days.', 'refund', 2)"
        )
        conn.execute(
            "INSERT INTO utterances (dataset_id, conversation_id, text, intent)"
            " VALUES (1, 10, 'Can I get my money back?', 'refund')"
        )
    finally:
        conn.close()


def test_older_database_is_upgraded_on_open_with_its_data_intact(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    _make_version_one_database(path)

    with KnowledgeBase(path) as kb:
        assert applied(kb.conn, NAMESPACE) == ALL_NAMES
        [version] = kb.datasets()
        assert (version.id, version.name, version.sha256, version.status) == (1, "legacy", "abc123", "active")
        assert version.warnings == ("legacy.jsonl:3: skipped: bad",)
        assert version.pii_masked is True  # the new column's default
        [conversation] = kb.conversations()
        assert conversation.id == "c1"
        assert conversation.metadata == {"channel": "email"}
        assert [t.text for t in conversation.turns] == ["Can I get my money back?", "Yes, within 30 days."]
        [pair] = kb.qa_pairs()
        assert (pair.question, pair.count, pair.conversation_id) == ("Can I get my money back?", 2, "c1")
        assert [u.intent for u in kb.utterances()] == ["refund"]
        assert kb.counts() == {"datasets": 1, "conversations": 1, "turns": 2, "qa_pairs": 1, "utterances": 1}


def test_upgraded_database_accepts_new_versions_next_to_the_old_one(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    _make_version_one_database(path)
    with KnowledgeBase(path) as kb:
        new = NewDataset(
            name="fresh",
            source_file="fresh.csv",
            sha256="def456",
            format="csv_qa",
            uploaded_by="cli",
            conversations=(),
            qa_pairs=(QAPair("Do you ship abroad?", "Yes, to 30 countries."),),
            utterances=(),
            pii_masked=False,
        )
        version = kb.add_dataset(new)
        assert version.id == 2
        assert [(d.id, d.pii_masked) for d in kb.datasets()] == [(1, True), (2, False)]
        assert kb.active_dataset_with_hash("abc123") is not None


def test_failing_migration_rolls_back_and_is_not_recorded(tmp_path: Path) -> None:
    conn = connect(tmp_path / "test.db")
    good = Migration("0001_good", ("CREATE TABLE good (x INTEGER)",))
    bad = Migration("0002_bad", ("CREATE TABLE half_done (y INTEGER)", "THIS IS NOT SQL"))
    try:
        with pytest.raises(sqlite3.OperationalError):
            migrate(conn, "test_only", (good, bad))
        assert applied(conn, "test_only") == ["0001_good"]
        assert "good" in tables(conn)
        assert "half_done" not in tables(conn)
        assert not conn.in_transaction
    finally:
        conn.close()


def test_failed_migration_runs_again_once_fixed(tmp_path: Path) -> None:
    conn = connect(tmp_path / "test.db")
    try:
        with pytest.raises(sqlite3.OperationalError):
            migrate(conn, "test_only", (Migration("0001", ("CREATE TABLE t (x)", "NOT SQL")),))
        assert migrate(conn, "test_only", (Migration("0001", ("CREATE TABLE t (x)",)),)) == ["0001"]
        assert "t" in tables(conn)
    finally:
        conn.close()


def test_namespaces_are_independent(tmp_path: Path) -> None:
    conn = connect(tmp_path / "test.db")
    try:
        migrate(conn, "alpha", (Migration("0001", ("CREATE TABLE a (x)",)),))
        assert migrate(conn, "beta", (Migration("0001", ("CREATE TABLE b (x)",)),)) == ["0001"]
        assert applied(conn, "alpha") == ["0001"]
        assert applied(conn, "beta") == ["0001"]
    finally:
        conn.close()


def test_repeated_migration_names_raise_before_anything_runs(tmp_path: Path) -> None:
    conn = connect(tmp_path / "test.db")
    repeated = (Migration("0001", ("CREATE TABLE a (x)",)), Migration("0001", ("CREATE TABLE b (x)",)))
    try:
        with pytest.raises(ValueError, match=r"repeat.*'test_only'"):
            migrate(conn, "test_only", repeated)
        assert applied(conn, "test_only") == []
        assert not {"a", "b"} & tables(conn)
    finally:
        conn.close()
