"""The knowledge base: an SQLite database of immutable dataset versions.

Each upload becomes one dataset version; its conversations, turns, QA pairs and labelled utterances
reference it and are never edited. Retiring a version hides it from training and retrieval but keeps its
history. Writes happen in one transaction per upload, so a failed upload leaves the database as it was.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from knowledge_base import schema
from knowledge_base.errors import StoreError
from knowledge_base.migrations import connect, migrate, now_iso, transaction
from knowledge_base.types import Conversation, DatasetVersion, LabelledUtterance, QAPair, Role, Turn


@dataclass(frozen=True, slots=True)
class NewDataset:
    """Everything one upload adds, already parsed, mined and masked."""

    name: str
    source_file: str
    sha256: str
    format: str
    uploaded_by: str
    conversations: Sequence[Conversation]
    qa_pairs: Sequence[QAPair]
    utterances: Sequence[LabelledUtterance]
    warnings: Sequence[str] = ()
    pii_masked: bool = True


class KnowledgeBase:
    """Open (creating and migrating if needed) the knowledge base at `path`."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.conn = connect(self.path)
        migrate(self.conn, schema.NAMESPACE, schema.MIGRATIONS)
        self.db = sqlite_utils.Database(self.conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------------------

    def add_dataset(self, new: NewDataset) -> DatasetVersion:
        """Store one upload as a new dataset version, all or nothing."""
        with transaction(self.conn) as conn:
            n_turns = sum(len(c.turns) for c in new.conversations)
            cursor = conn.execute(
                "INSERT INTO datasets (name, source_file, sha256, format, uploaded_by, created_at, status,"
                " n_conversations, n_turns, n_qa_pairs, n_utterances, warnings, pii_masked)"
                " VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?)",
                (
                    new.name,
                    new.source_file,
                    new.sha256,
                    new.format,
                    new.uploaded_by,
                    now_iso(),
                    len(new.conversations),
                    n_turns,
                    len(new.qa_pairs),
                    len(new.utterances),
                    json.dumps(list(new.warnings)),
                    int(new.pii_masked),
                ),
            )
            dataset_id = cursor.lastrowid
            assert dataset_id is not None
            conversation_ids = self._insert_conversations(conn, dataset_id, new.conversations)
            _check_references(conversation_ids, new)
            conn.executemany(
                "INSERT INTO qa_pairs (dataset_id, conversation_id, question, answer, intent, count)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    (
                        dataset_id,
                        conversation_ids.get(p.conversation_id) if p.conversation_id else None,
                        p.question,
                        p.answer,
                        p.intent,
                        p.count,
                    )
                    for p in new.qa_pairs
                ),
            )
            conn.executemany(
                "INSERT INTO utterances (dataset_id, conversation_id, text, intent) VALUES (?, ?, ?, ?)",
                (
                    (
                        dataset_id,
                        conversation_ids.get(u.conversation_id) if u.conversation_id else None,
                        u.text,
                        u.intent,
                    )
                    for u in new.utterances
                ),
            )
        return self.dataset(dataset_id)

    @staticmethod
    def _insert_conversations(
        conn: sqlite3.Connection, dataset_id: int, conversations: Iterable[Conversation]
    ) -> dict[str, int]:
        ids: dict[str, int] = {}
        for conversation in conversations:
            cursor = conn.execute(
                "INSERT INTO conversations (dataset_id, external_id, intent, metadata) VALUES (?, ?, ?, ?)",
                (dataset_id, conversation.id, conversation.intent, json.dumps(conversation.metadata)),
            )
            row_id = cursor.lastrowid
            assert row_id is not None
            ids[conversation.id] = row_id
            conn.executemany(
                "INSERT INTO turns (conversation_id, position, role, text, intent) VALUES (?, ?, ?, ?, ?)",
                (
                    (row_id, position, str(turn.role), turn.text, turn.intent)
                    for position, turn in enumerate(conversation.turns)
                ),
            )
        return ids

    def retire(self, dataset_id: int) -> DatasetVersion:
        """Hide a dataset version from training and retrieval; its rows stay for the record."""
        version = self.dataset(dataset_id)
        if not version.active:
            raise StoreError(f"dataset version {dataset_id} was already retired on {version.retired_at}")
        with transaction(self.conn) as conn:
            conn.execute("UPDATE datasets SET status = 'retired', retired_at = ? WHERE id = ?", (now_iso(), dataset_id))
        return self.dataset(dataset_id)

    # -- reading -----------------------------------------------------------------------------------

    def datasets(self, *, include_retired: bool = True) -> list[DatasetVersion]:
        where = "" if include_retired else "WHERE status = 'active'"
        rows = self.conn.execute(f"SELECT * FROM datasets {where} ORDER BY id").fetchall()
        return [_dataset_from_row(row) for row in rows]

    def dataset(self, dataset_id: int) -> DatasetVersion:
        row = self.conn.execute("SELECT * FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
        if row is None:
            known = [str(d.id) for d in self.datasets()]
            raise StoreError(
                f"no dataset version {dataset_id}; known versions: {', '.join(known) or 'none yet'}"
                " (see `chatbot datasets`)"
            )
        return _dataset_from_row(row)

    def active_dataset_with_hash(self, sha256: str) -> DatasetVersion | None:
        row = self.conn.execute(
            "SELECT * FROM datasets WHERE sha256 = ? AND status = 'active' ORDER BY id LIMIT 1", (sha256,)
        ).fetchone()
        return None if row is None else _dataset_from_row(row)

    def _dataset_filter(self, dataset_ids: Sequence[int] | None) -> tuple[str, list[Any]]:
        if dataset_ids is None:
            return "dataset_id IN (SELECT id FROM datasets WHERE status = 'active')", []
        for dataset_id in dataset_ids:
            self.dataset(dataset_id)  # raises for unknown ids
        return f"dataset_id IN ({', '.join('?' * len(dataset_ids))})", list(dataset_ids)

    def qa_pairs(self, dataset_ids: Sequence[int] | None = None) -> list[QAPair]:
        """QA pairs of the given dataset versions (default: every active one), in id order."""
        where, params = self._dataset_filter(dataset_ids)
        rows = self.conn.execute(f"{_QA_SELECT} WHERE q.{where} ORDER BY q.id", params).fetchall()
        return [_pair_from_row(row) for row in rows]

    def qa_pair(self, qa_id: int) -> QAPair:
        row = self.conn.execute(f"{_QA_SELECT} WHERE q.id = ?", (qa_id,)).fetchone()
        if row is None:
            raise StoreError(f"no QA pair with id {qa_id}")
        return _pair_from_row(row)

    def utterances(self, dataset_ids: Sequence[int] | None = None) -> list[LabelledUtterance]:
        where, params = self._dataset_filter(dataset_ids)
        rows = self.conn.execute(
            "SELECT u.text, u.intent, c.external_id FROM utterances u"
            f" LEFT JOIN conversations c ON c.id = u.conversation_id WHERE u.{where} ORDER BY u.id",
            params,
        ).fetchall()
        return [
            LabelledUtterance(text=row["text"], intent=row["intent"], conversation_id=row["external_id"])
            for row in rows
        ]

    def conversations(self, dataset_ids: Sequence[int] | None = None) -> Iterator[Conversation]:
        """Stored conversations with their turns, in id order."""
        where, params = self._dataset_filter(dataset_ids)
        for row in self.conn.execute(f"SELECT * FROM conversations WHERE {where} ORDER BY id", params):
            turns = tuple(
                Turn(role=Role(t["role"]), text=t["text"], intent=t["intent"])
                for t in self.conn.execute(
                    "SELECT role, text, intent FROM turns WHERE conversation_id = ? ORDER BY position",
                    (row["id"],),
                )
            )
            yield Conversation(
                id=row["external_id"], turns=turns, intent=row["intent"], metadata=json.loads(row["metadata"])
            )

    def counts(self) -> dict[str, int]:
        """Row counts of every knowledge-base table (for tests and the admin view)."""
        return {name: self.db[name].count for name in ("datasets", "conversations", "turns", "qa_pairs", "utterances")}


_QA_SELECT = (
    "SELECT q.*, c.external_id AS conversation_external_id FROM qa_pairs q"
    " LEFT JOIN conversations c ON c.id = q.conversation_id"
)


def _pair_from_row(row: sqlite3.Row) -> QAPair:
    return QAPair(
        question=row["question"],
        answer=row["answer"],
        intent=row["intent"],
        count=row["count"],
        conversation_id=row["conversation_external_id"],
        id=row["id"],
        dataset_id=row["dataset_id"],
    )


def _check_references(conversation_ids: dict[str, int], new: NewDataset) -> None:
    """Every QA pair and utterance that names a conversation must name one of this upload."""
    named = {p.conversation_id for p in new.qa_pairs} | {u.conversation_id for u in new.utterances}
    unknown = sorted(c for c in named if c is not None and c not in conversation_ids)
    if unknown:
        raise StoreError(
            f"QA pairs or utterances of upload {new.source_file!r} name conversations it does not contain:"
            f" {', '.join(unknown[:5])}"
        )


def _dataset_from_row(row: sqlite3.Row) -> DatasetVersion:
    return DatasetVersion(
        id=row["id"],
        name=row["name"],
        source_file=row["source_file"],
        sha256=row["sha256"],
        format=row["format"],
        uploaded_by=row["uploaded_by"],
        created_at=row["created_at"],
        status=row["status"],
        retired_at=row["retired_at"],
        n_conversations=row["n_conversations"],
        n_turns=row["n_turns"],
        n_qa_pairs=row["n_qa_pairs"],
        n_utterances=row["n_utterances"],
        warnings=tuple(json.loads(row["warnings"])),
        pii_masked=bool(row["pii_masked"]),
    )
