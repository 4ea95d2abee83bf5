"""The knowledge base store: dataset versions, reads, retiring and all-or-nothing writes (knowledge_base.store)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence

import pytest

from knowledge_base.errors import StoreError
from knowledge_base.store import KnowledgeBase, NewDataset
from knowledge_base.types import Conversation, LabelledUtterance, QAPair, Role, Turn

C, A = Role.CUSTOMER, Role.AGENT


def conversation(conversation_id: str, *texts: str, intent: str | None = None) -> Conversation:
    """Turns alternate customer, agent, customer, ..."""
    turns = tuple(Turn(C if i % 2 == 0 else A, text) for i, text in enumerate(texts))
    return Conversation(conversation_id, turns, intent=intent, metadata={"channel": "chat"})


def new_dataset(
    name: str = "orders",
    *,
    sha256: str | None = None,
    conversations: Sequence[Conversation] | None = None,
    qa_pairs: Sequence[QAPair] | None = None,
    utterances: Sequence[LabelledUtterance] | None = None,
) -> NewDataset:
    if conversations is None:
        conversations = (
            conversation(
                "c1", "Where is my order?", "It ships today.", "Can I change the address?", "Yes.", intent="o"
            ),
            conversation("c2", "Do you ship abroad?", "Yes, to 30 countries."),
        )
    if qa_pairs is None:
        qa_pairs = (
            QAPair("Where is my order?", "It ships today.", intent="order_status", conversation_id="c1", count=2),
            QAPair("Do you ship abroad?", "Yes, to 30 countries.", conversation_id="c2"),
        )
    if utterances is None:
        utterances = (
            LabelledUtterance("Where is my order?", "order_status", conversation_id="c1"),
            LabelledUtterance("I want a refund", "refund"),
        )
    return NewDataset(
        name=name,
        source_file=f"{name}.jsonl",
        sha256=sha256 or f"sha-{name}",
        format="jsonl",
        uploaded_by="tester",
        conversations=conversations,
        qa_pairs=qa_pairs,
        utterances=utterances,
        warnings=("orders.jsonl:7: skipped: malformed JSON",),
    )


def test_empty_store_counts_zero_everywhere(kb: KnowledgeBase) -> None:
    assert kb.counts() == {"datasets": 0, "conversations": 0, "turns": 0, "qa_pairs": 0, "utterances": 0}
    assert kb.datasets() == []


def test_add_dataset_returns_the_stored_version(kb: KnowledgeBase) -> None:
    version = kb.add_dataset(new_dataset())
    assert version == kb.dataset(version.id) == kb.datasets()[0]
    assert (version.name, version.source_file, version.sha256) == ("orders", "orders.jsonl", "sha-orders")
    assert (version.format, version.uploaded_by, version.status) == ("jsonl", "tester", "active")
    assert version.active and version.retired_at is None and version.pii_masked
    assert (version.n_conversations, version.n_turns, version.n_qa_pairs, version.n_utterances) == (2, 6, 2, 2)
    assert version.warnings == ("orders.jsonl:7: skipped: malformed JSON",)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", version.created_at)


def test_counts_match_what_was_added(kb: KnowledgeBase) -> None:
    kb.add_dataset(new_dataset())
    assert kb.counts() == {"datasets": 1, "conversations": 2, "turns": 6, "qa_pairs": 2, "utterances": 2}


def test_qa_pairs_round_trip_with_ids_and_conversation_ids(kb: KnowledgeBase) -> None:
    version = kb.add_dataset(new_dataset())
    pairs = kb.qa_pairs()
    assert [(p.question, p.answer, p.intent, p.count, p.conversation_id) for p in pairs] == [
        ("Where is my order?", "It ships today.", "order_status", 2, "c1"),
        ("Do you ship abroad?", "Yes, to 30 countries.", None, 1, "c2"),
    ]
    assert all(p.dataset_id == version.id for p in pairs)
    assert kb.qa_pair(pairs[1].id or 0).answer == "Yes, to 30 countries."


def test_unknown_qa_pair_id_raises(kb: KnowledgeBase) -> None:
    with pytest.raises(StoreError, match="no QA pair with id 42"):
        kb.qa_pair(42)


def test_utterances_round_trip(kb: KnowledgeBase) -> None:
    kb.add_dataset(new_dataset())
    assert kb.utterances() == [
        LabelledUtterance("Where is my order?", "order_status", conversation_id="c1"),
        LabelledUtterance("I want a refund", "refund", conversation_id=None),
    ]


def test_conversations_come_back_with_turns_in_order(kb: KnowledgeBase) -> None:
    kb.add_dataset(new_dataset())
    first, second = kb.conversations()
    assert (first.id, first.intent, first.metadata) == ("c1", "o", {"channel": "chat"})
    assert [(t.role, t.text) for t in first.turns] == [
        (C, "Where is my order?"),
        (A, "It ships today."),
        (C, "Can I change the address?"),
        (A, "Yes."),
    ]
    assert second.id == "c2" and second.intent is None and len(second.turns) == 2


def test_turn_intents_are_stored(kb: KnowledgeBase) -> None:
    turns = (Turn(C, "I was charged twice", intent="double_charge"), Turn(A, "Refunded."))
    kb.add_dataset(new_dataset(conversations=[Conversation("x", turns)], qa_pairs=(), utterances=()))
    [stored] = kb.conversations()
    assert [t.intent for t in stored.turns] == ["double_charge", None]


def test_retire_hides_a_version_from_reads_but_keeps_its_rows(kb: KnowledgeBase) -> None:
    old = kb.add_dataset(new_dataset("old"))
    hours = LabelledUtterance("Hours?", "opening_hours", conversation_id="k1")
    kept = kb.add_dataset(
        new_dataset(
            "kept",
            conversations=[conversation("k1", "Hours?", "9 to 5.")],
            qa_pairs=[QAPair("Hours?", "9 to 5.", conversation_id="k1")],
            utterances=[hours],
        )
    )
    before = kb.counts()

    retired = kb.retire(old.id)

    assert retired.status == "retired" and not retired.active and retired.retired_at is not None
    assert kb.counts() == before
    assert [(d.name, d.status) for d in kb.datasets()] == [("old", "retired"), ("kept", "active")]
    assert [d.name for d in kb.datasets(include_retired=False)] == ["kept"]
    assert [(p.question, p.dataset_id) for p in kb.qa_pairs()] == [("Hours?", kept.id)]
    assert [c.id for c in kb.conversations()] == ["k1"]
    assert kb.utterances() == [hours]


def test_retired_version_can_still_be_read_by_id(kb: KnowledgeBase) -> None:
    old = kb.add_dataset(new_dataset("old"))
    kb.retire(old.id)
    assert len(kb.qa_pairs(dataset_ids=[old.id])) == 2
    assert kb.qa_pairs() == []


def test_retiring_twice_names_the_first_retirement_date(kb: KnowledgeBase) -> None:
    version = kb.add_dataset(new_dataset())
    retired_at = kb.retire(version.id).retired_at
    assert retired_at is not None
    with pytest.raises(
        StoreError, match=f"dataset version {version.id} was already retired on {re.escape(retired_at)}"
    ):
        kb.retire(version.id)


@pytest.mark.parametrize(
    "call",
    [
        lambda kb: kb.dataset(99),
        lambda kb: kb.retire(99),
        lambda kb: kb.qa_pairs(dataset_ids=[1, 99]),
        lambda kb: kb.utterances(dataset_ids=[99]),
        lambda kb: list(kb.conversations(dataset_ids=[99])),
    ],
    ids=["dataset", "retire", "qa_pairs", "utterances", "conversations"],
)
def test_unknown_version_id_raises_listing_the_known_ones(kb: KnowledgeBase, call) -> None:  # type: ignore[no-untyped-def]
    kb.add_dataset(new_dataset("a"))
    kb.add_dataset(new_dataset("b"))
    with pytest.raises(StoreError, match="no dataset version 99; known versions: 1, 2"):
        call(kb)


def test_unknown_version_id_on_an_empty_store_says_none_yet(kb: KnowledgeBase) -> None:
    with pytest.raises(StoreError, match="no dataset version 1; known versions: none yet"):
        kb.dataset(1)


def test_qa_pairs_filter_by_dataset_ids(kb: KnowledgeBase) -> None:
    first = kb.add_dataset(new_dataset("first"))
    second = kb.add_dataset(new_dataset("second", qa_pairs=[QAPair("Open on Sunday?", "No.")]))
    assert [p.question for p in kb.qa_pairs(dataset_ids=[second.id])] == ["Open on Sunday?"]
    assert {p.dataset_id for p in kb.qa_pairs(dataset_ids=[first.id])} == {first.id}
    assert len(kb.qa_pairs(dataset_ids=[first.id, second.id])) == 3
    assert len(kb.utterances(dataset_ids=[second.id])) == 2


def test_active_dataset_with_hash_ignores_retired_versions(kb: KnowledgeBase) -> None:
    version = kb.add_dataset(new_dataset(sha256="feed"))
    assert kb.active_dataset_with_hash("feed") == version
    kb.retire(version.id)
    assert kb.active_dataset_with_hash("feed") is None


def test_repeated_conversation_id_rolls_the_whole_upload_back(kb: KnowledgeBase) -> None:
    kb.add_dataset(new_dataset("earlier"))
    before = kb.counts()
    repeated = [conversation("dup", "Where is my order?", "Shipped."), conversation("dup", "Refund?", "Yes.")]

    with pytest.raises((sqlite3.IntegrityError, StoreError), match=r"(?i)unique|dup"):
        kb.add_dataset(new_dataset("broken", conversations=repeated, qa_pairs=(), utterances=()))

    assert kb.counts() == before
    assert [d.name for d in kb.datasets()] == ["earlier"]


def test_failure_after_the_last_table_rolls_everything_back(kb: KnowledgeBase) -> None:
    # utterances are inserted last; an intent-less utterance breaks NOT NULL once every other table is written
    bad = [LabelledUtterance("Where is my order?", None)]  # type: ignore[arg-type]
    with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
        kb.add_dataset(new_dataset(utterances=bad))
    assert kb.counts() == {"datasets": 0, "conversations": 0, "turns": 0, "qa_pairs": 0, "utterances": 0}


def test_pair_naming_a_conversation_not_in_the_upload_is_refused(kb: KnowledgeBase) -> None:
    # the link is how training splits by conversation; it must not silently become NULL
    stray = [QAPair("Where is my order?", "It ships today.", conversation_id="not-uploaded")]
    with pytest.raises(StoreError, match="not-uploaded"):
        kb.add_dataset(new_dataset(qa_pairs=stray))
    assert kb.counts()["datasets"] == 0


def test_store_stays_usable_after_a_failed_upload(kb: KnowledgeBase) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        kb.add_dataset(new_dataset(utterances=[LabelledUtterance("x", None)]))  # type: ignore[arg-type]
    assert not kb.conn.in_transaction
    version = kb.add_dataset(new_dataset())
    assert version.id == kb.datasets()[0].id
    assert kb.counts()["qa_pairs"] == 2


def test_data_survives_closing_and_reopening(kb: KnowledgeBase) -> None:
    version = kb.add_dataset(new_dataset())
    kb.close()
    with KnowledgeBase(kb.path) as reopened:
        assert reopened.dataset(version.id) == version
        assert len(reopened.qa_pairs()) == 2
