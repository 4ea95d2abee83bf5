"""Slot extraction (chatbot.slots): what each built-in extractor finds, how it is normalised, what it ignores."""

from __future__ import annotations

import pytest

from chatbot.slots import SlotFiller

FILLER = SlotFiller()


def found(slot: str, text: str) -> str | None:
    return FILLER.extract(text).get(slot)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NW-483920", "NW-483920"),
        ("nw483920", "NW-483920"),
        ("my order is nw-483920, can you check?", "NW-483920"),
        ("order ABC1234567 please", "ABC-1234567"),
        ("it's Nw-12345.", "NW-12345"),
    ],
)
def test_order_id_is_found_and_normalised(text: str, expected: str) -> None:
    assert found("order_id", text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "NW-1234",  # too few digits
        "order 483920",  # no letters
        "ABCD-483920",  # four letters
        "I ordered 3 lamps on 14/03/2026",
        "call me on +44 7700 900123",
        "write to jo12345@example.com",  # the local part of an email address is not an order number
    ],
)
def test_order_id_is_not_found_in(text: str) -> None:
    assert found("order_id", text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jo@example.com", "jo@example.com"),
        ("mail Jo.Bloggs+shop@mail.example.co.uk please", "Jo.Bloggs+shop@mail.example.co.uk"),
        ("it's jo_b@example.org.", "jo_b@example.org"),
    ],
)
def test_email_is_found(text: str, expected: str) -> None:
    assert found("email", text) == expected


@pytest.mark.parametrize("text", ["jo@example", "@example.com", "jo at example dot com", "jo@.com"])
def test_email_is_not_found_in(text: str) -> None:
    assert found("email", text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-14", "2026-03-14"),
        ("it was due 14/03/2026", "14/03/2026"),
        ("on 14 March", "14 March"),
        ("on the 14th of March", "14th of March"),
        ("March 14th please", "March 14th"),
        ("by 3 sept", "3 sept"),
        ("tomorrow", "Tomorrow"),
        ("can it come on friday?", "Friday"),
        ("next Monday", "Monday"),
    ],
)
def test_date_is_found(text: str, expected: str) -> None:
    assert found("date", text) == expected


@pytest.mark.parametrize(
    "text", ["in March", "on the 14th", "at 13:45", "order NW-483920", "may I have a refund", "3 items"]
)
def test_date_is_not_found_in(text: str) -> None:
    assert found("date", text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("£49.99", "£49.99"),
        ("it cost $5", "$5"),
        ("it cost $5.", "$5"),
        ("49.99 EUR", "49.99 EUR"),
        ("€ 1,299.00", "€ 1,299.00"),
        ("20 pounds", "20 pounds"),
        ("charged 12.50 gbp twice", "12.50 gbp"),
        ("I paid $5, not $50", "$5"),
    ],
)
def test_amount_is_found(text: str, expected: str) -> None:
    assert found("amount", text) == expected


@pytest.mark.parametrize("text", ["49.99", "order 5", "NW-483920", "5 items", "EUR"])
def test_amount_is_not_found_in(text: str) -> None:
    assert found("amount", text) is None


def test_all_slots_are_found_in_one_message() -> None:
    text = "Refund £20 for NW-123456 by Friday, mail jo@example.com"
    assert FILLER.extract(text) == {
        "order_id": "NW-123456",
        "email": "jo@example.com",
        "date": "Friday",
        "amount": "£20",
    }


def test_nothing_found_gives_an_empty_dict() -> None:
    assert FILLER.extract("hello, is anyone there?") == {}


def test_a_custom_pattern_replaces_the_built_in_one() -> None:
    filler = SlotFiller({"order_id": r"ORD-\d{4}"})
    assert filler.extract("ORD-1234 and NW-483920") == {"order_id": "ORD-1234"}
    assert filler.names == {"order_id", "email", "date", "amount"}
