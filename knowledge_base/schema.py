"""The knowledge base's tables, as migrations (namespace `knowledge_base`). Append only."""

from __future__ import annotations

from knowledge_base.migrations import Migration

NAMESPACE = "knowledge_base"

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "0001_initial",
        (
            """CREATE TABLE datasets (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                source_file TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                format TEXT NOT NULL,
                uploaded_by TEXT NOT NULL,
                created_at TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
                retired_at TEXT,
                n_conversations INTEGER NOT NULL,
                n_turns INTEGER NOT NULL,
                n_qa_pairs INTEGER NOT NULL,
                n_utterances INTEGER NOT NULL,
                warnings TEXT NOT NULL DEFAULT '[]'
            )""",
            """CREATE TABLE conversations (
                id INTEGER PRIMARY KEY,
                dataset_id INTEGER NOT NULL REFERENCES datasets(id),
                external_id TEXT NOT NULL,
                intent TEXT,
                metadata TEXT NOT NULL DEFAULT '{}',
                UNIQUE (dataset_id, external_id)
            )""",
            """CREATE TABLE turns (
                id INTEGER PRIMARY KEY,
                conversation_id INTEGER NOT NULL REFERENCES conversations(id),
                position INTEGER NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('customer', 'agent')),
                text TEXT NOT NULL,
                intent TEXT
            )""",
            """CREATE TABLE qa_pairs (
                id INTEGER PRIMARY KEY,
                dataset_id INTEGER NOT NULL REFERENCES datasets(id),
                conversation_id INTEGER REFERENCES conversations(id),
                question TEXT NOT NULL,
                answer TEXT NOT NULL,
                intent TEXT,
                count INTEGER NOT NULL DEFAULT 1
            )""",
            """CREATE TABLE utterances (
                id INTEGER PRIMARY KEY,
                dataset_id INTEGER NOT NULL REFERENCES datasets(id),
                -- set for labelled customer turns, so training can split by conversation
                conversation_id INTEGER REFERENCES conversations(id),
                text TEXT NOT NULL,
                intent TEXT NOT NULL
            )""",
        ),
    ),
    Migration(
        "0002_indexes_and_pii_flag",
        (
            "CREATE INDEX idx_turns_conversation ON turns(conversation_id, position)",
            "CREATE INDEX idx_conversations_dataset ON conversations(dataset_id)",
            "CREATE INDEX idx_qa_pairs_dataset ON qa_pairs(dataset_id)",
            "CREATE INDEX idx_utterances_dataset ON utterances(dataset_id)",
            "CREATE INDEX idx_datasets_sha256 ON datasets(sha256)",
            # Whether stored text had emails, phones and card numbers masked at ingest (1) or not (0).
            "ALTER TABLE datasets ADD COLUMN pii_masked INTEGER NOT NULL DEFAULT 1",
        ),
    ),
)
