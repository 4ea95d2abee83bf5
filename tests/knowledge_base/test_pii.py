"""Masking of emails, card numbers and phone numbers; ids, dates, times and prices stay (knowledge_base.pii)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge_base.ingest import IngestOptions, ingest_file
from knowledge_base.pii import CARD_MASK, EMAIL_MASK, PHONE_MASK, luhn_valid, mask_pii
from knowledge_base.store import KnowledgeBase
from knowledge_base.types import DatasetVersion


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Write to jo.smith@example.com please", f"Write to {EMAIL_MASK} please"),
        ("jo+orders@mail.example.co.uk", EMAIL_MASK),
        ("Contact: A.B-C_d@sub-domain.example.org.", f"Contact: {EMAIL_MASK}."),
        ("a@example.com, b@example.com", f"{EMAIL_MASK}, {EMAIL_MASK}"),
    ],
)
def test_emails_are_masked(text: str, expected: str) -> None:
    assert mask_pii(text) == expected


@pytest.mark.parametrize(
    "card",
    [
        "4111111111111111",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "5555 5555 5555 4444",
        "3782 822463 10005",  # 15-digit Amex grouping
    ],
)
def test_luhn_valid_card_numbers_are_masked(card: str) -> None:
    assert mask_pii(f"My card is {card}, thanks") == f"My card is {CARD_MASK}, thanks"


@pytest.mark.parametrize(
    "phone",
    [
        "+44 20 7946 0958",
        "(555) 010-4477",
        "555-0104",
        "07700900123",
        "07700 900123",
        "+1-555-010-4477",
        "555.010.4477",
        "+1 (555) 010-4477",
    ],
)
def test_phone_numbers_are_masked(phone: str) -> None:
    assert mask_pii(f"Call me on {phone} today") == f"Call me on {PHONE_MASK} today"


def test_phone_at_the_end_of_a_sentence_keeps_the_full_stop() -> None:
    assert mask_pii("Call 020 7946 0958.") == f"Call {PHONE_MASK}."


@pytest.mark.parametrize(
    "text",
    [
        "Order NW-483920 is on its way",
        "It was delivered on 2026-03-14",
        "It was delivered on 14/03/2026",
        "It was delivered on 14.03.2026",
        "The courier comes at 14:30",
        "Opening hours 9:00-17:30",
        "It costs $49.99",
        "It costs 1,299.00",
        "The total was $1,299.00 on 14/03/2026",
        "Reference 1234 5678 9012 3456 is not a card",  # 16 digits failing the Luhn check
        "Reference 1234567812345678",
        "Ticket 12345678",  # a plain run of fewer than 10 digits is an id, not a phone
        "Between 2026-03-14 and 2026-03-20",
        "Delivered 2026-03-14 14:30",  # an ISO timestamp is a date and a time, not a phone number
    ],
)
def test_ids_dates_times_prices_and_non_cards_are_left_alone(text: str) -> None:
    assert mask_pii(text) == text


def test_text_without_personal_data_is_unchanged() -> None:
    text = "Hi, where is my order? It was due on Monday."
    assert mask_pii(text) == text


def test_masking_is_idempotent() -> None:
    once = mask_pii("jo@example.com, 4111 1111 1111 1111, +44 20 7946 0958")
    assert once == f"{EMAIL_MASK}, {CARD_MASK}, {PHONE_MASK}"
    assert mask_pii(once) == once


@pytest.mark.parametrize(
    ("digits", "valid"),
    [("4111111111111111", True), ("79927398713", True), ("4111111111111112", False), ("1234567812345678", False)],
)
def test_luhn_check(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


# -- end to end: what ingest stores ----------------------------------------------------------------------

JSONL_WITH_PII = (
    json.dumps(
        {
            "id": "c1",
            "intent": "account",
            "turns": [
                {"role": "customer", "text": "Please update my email to jo@example.com, phone +44 20 7946 0958"},
                {"role": "agent", "text": "Done. We will write to jo@example.com from help@example.com."},
            ],
        }
    )
    + "\n"
)
QA_WITH_PII = "question,answer\nHow do I reach you?,Write to help@example.com or call (555) 010-4477.\n"
LABELLED_WITH_PII = "text,intent\nMy card 4111 1111 1111 1111 was charged twice - jo@example.com,double_charge\n"


MASKS = {EMAIL_MASK, CARD_MASK, PHONE_MASK}


def all_text(kb: KnowledgeBase) -> list[str]:
    """Every value of every TEXT column of the knowledge-base tables, read with raw SQL."""
    values = []
    for table in ("datasets", "conversations", "turns", "qa_pairs", "utterances"):
        text_columns = [c["name"] for c in kb.conn.execute(f"PRAGMA table_info({table})") if c["type"] == "TEXT"]
        for row in kb.conn.execute(f"SELECT {', '.join(text_columns)} FROM {table}"):
            values.extend(value for value in row if value is not None)
    return values


def ingest_all(kb: KnowledgeBase, directory: Path, **options: object) -> list[DatasetVersion]:
    files = {"chat.jsonl": JSONL_WITH_PII, "faq.csv": QA_WITH_PII, "intents.csv": LABELLED_WITH_PII}
    versions = []
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
        versions.append(ingest_file(kb, directory / name, IngestOptions(**options)).dataset)  # type: ignore[arg-type]
    return versions


def test_ingest_masks_pii_in_turns_pairs_and_utterances_by_default(kb: KnowledgeBase, tmp_path: Path) -> None:
    versions = ingest_all(kb, tmp_path)

    assert all(v.pii_masked for v in versions)
    leaks = [v for v in all_text(kb) if "@example.com" in v or "4111" in v or "7946" in v or "010-4477" in v]
    assert leaks == []
    [conversation] = kb.conversations()
    assert conversation.turns[0].text == f"Please update my email to {EMAIL_MASK}, phone {PHONE_MASK}"
    assert {p.answer for p in kb.qa_pairs()} == {
        f"Done. We will write to {EMAIL_MASK} from {EMAIL_MASK}.",
        f"Write to {EMAIL_MASK} or call {PHONE_MASK}.",
    }
    assert sorted(u.text for u in kb.utterances()) == [
        f"My card {CARD_MASK} was charged twice - {EMAIL_MASK}",
        f"Please update my email to {EMAIL_MASK}, phone {PHONE_MASK}",
    ]


def test_ingest_keeps_text_as_is_when_masking_is_off(kb: KnowledgeBase, tmp_path: Path) -> None:
    versions = ingest_all(kb, tmp_path, mask_pii=False)

    assert [kb.dataset(v.id).pii_masked for v in versions] == [False, False, False]
    [conversation] = kb.conversations()
    assert "jo@example.com" in conversation.turns[0].text
    assert any("help@example.com" in p.answer for p in kb.qa_pairs())
    assert any("4111 1111 1111 1111" in u.text for u in kb.utterances())
    assert [v for v in all_text(kb) if any(mask in v for mask in MASKS)] == []


def test_ingest_masks_pii_in_conversation_metadata(kb: KnowledgeBase, tmp_path: Path) -> None:
    record = json.loads(JSONL_WITH_PII) | {"metadata": {"customer_email": "jo@example.com", "channel": "email"}}
    path = tmp_path / "chat.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    ingest_file(kb, path)
    assert [v for v in all_text(kb) if "@example.com" in v] == []


def test_ingest_masks_pii_in_stored_warnings_about_skipped_records(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_text(QA_WITH_PII + "Email?,Write to jo@example.com,unexpected third field\n", encoding="utf-8")
    version = ingest_file(kb, path, IngestOptions(strict=False)).dataset
    assert len(version.warnings) == 1 and "faq.csv:3" in version.warnings[0]
    assert [v for v in all_text(kb) if "@example.com" in v] == []
