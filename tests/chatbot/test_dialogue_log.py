"""Dialogue state and the conversation log (chatbot.dialogue, chatbot.log), and what the Assistant writes to it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatbot.assistant import Assistant
from chatbot.dialogue import DialogueState
from chatbot.errors import InputError, UnknownSessionError, UnknownTurnError
from chatbot.log import ConversationLog
from chatbot.types import Choice, Explanation, Reply, ReplyKind
from tests.chatbot.fakes import make_assistant, make_log

STATE = DialogueState(
    slots={"order_id": "NW-123456", "date": "Friday"},
    pending_intent="refund_request",
    pending_slot="amount",
    choices=(Choice("Cancel an order", intent="cancel_order"), Choice("Do you ship abroad?", qa_id=6)),
    fallbacks_in_a_row=1,
    handed_off=True,
)

EMAIL = "jo.bloggs@example.com"
PII_MESSAGE = f"my email is {EMAIL}, phone +44 7700 900123, card 4111 1111 1111 1111, order NW-483920"


def reply(kind: ReplyKind = ReplyKind.RETRIEVAL, text: str = "An answer.") -> Reply:
    return Reply(text, kind, Explanation(rule=f"{kind}: test", model_version="v1"))


@pytest.fixture
def log(tmp_path: Path) -> Iterator[ConversationLog]:
    store = make_log(tmp_path, state_ttl_seconds=60)
    yield store
    store.close()


def count(log: ConversationLog, table: str) -> int:
    return log.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


# -- dialogue state --------------------------------------------------------------------------------------


def test_state_survives_a_json_round_trip() -> None:
    assert DialogueState.from_json(STATE.to_json()) == STATE


def test_state_survives_a_round_trip_through_the_log(log: ConversationLog) -> None:
    session = log.start_session()
    log.record_turn(session, message="hi", reply=reply(), latency_ms=1.0, state=STATE, now=1000.0)
    assert log.load_state(session, now=1001.0) == STATE


def test_session_without_stored_state_starts_fresh(log: ConversationLog) -> None:
    assert log.load_state(log.start_session()) == DialogueState()


def test_state_expires_after_the_ttl(log: ConversationLog) -> None:
    session = log.start_session()
    log.record_turn(session, message="hi", reply=reply(), latency_ms=1.0, state=STATE, now=1000.0)
    assert log.load_state(session, now=1000.0 + 59) == STATE
    assert log.load_state(session, now=1000.0 + 61) == DialogueState()


def test_each_turn_restarts_the_ttl(log: ConversationLog) -> None:
    session = log.start_session()
    log.record_turn(session, message="hi", reply=reply(), latency_ms=1.0, state=DialogueState(), now=1000.0)
    log.record_turn(session, message="again", reply=reply(), latency_ms=1.0, state=STATE, now=1050.0)
    assert log.load_state(session, now=1100.0) == STATE


def test_turn_without_a_state_keeps_the_stored_one(log: ConversationLog) -> None:
    session = log.start_session()
    log.record_turn(session, message="hi", reply=reply(), latency_ms=1.0, state=STATE, now=1000.0)
    log.record_turn(session, message="again", reply=reply(), latency_ms=1.0, state=None, now=1010.0)
    assert log.load_state(session, now=1020.0) == STATE


# -- turns -----------------------------------------------------------------------------------------------


def test_record_turn_writes_the_turn_and_the_state(log: ConversationLog) -> None:
    session = log.start_session()
    turn_id = log.record_turn(session, message="hi", reply=reply(), latency_ms=2.5, state=STATE, now=1000.0)
    [turn] = log.turns(session)
    assert turn["id"] == turn_id
    assert (turn["message"], turn["reply"], turn["kind"], turn["model_version"]) == (
        "hi",
        "An answer.",
        "retrieval",
        "v1",
    )
    assert turn["explanation"]["rule"] == "retrieval: test"
    assert count(log, "chat_state") == 1


def test_turn_for_an_unknown_session_is_refused_and_writes_nothing(log: ConversationLog) -> None:
    with pytest.raises(UnknownSessionError):
        log.record_turn("no-such-session", message="hi", reply=reply(), latency_ms=1.0, state=STATE)
    assert count(log, "chat_turns") == 0
    assert count(log, "chat_state") == 0


def test_state_that_cannot_be_written_leaves_no_turn_behind(log: ConversationLog) -> None:
    session = log.start_session()
    unwritable = DialogueState(slots={"order_id": object()})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        log.record_turn(session, message="hi", reply=reply(), latency_ms=1.0, state=unwritable)
    assert log.turns(session) == []
    assert log.load_state(session) == DialogueState()


def test_handoff_flags_the_session_for_staff(log: ConversationLog) -> None:
    session, other = log.start_session(), log.start_session()
    log.record_turn(session, message="a person please", reply=reply(ReplyKind.HANDOFF), latency_ms=1.0)
    log.record_turn(other, message="hi", reply=reply(), latency_ms=1.0)
    assert log.is_flagged(session) is True
    assert log.is_flagged(other) is False


def test_session_stays_flagged_after_later_turns(log: ConversationLog) -> None:
    session = log.start_session()
    log.record_turn(session, message="a person please", reply=reply(ReplyKind.HANDOFF), latency_ms=1.0)
    log.record_turn(session, message="still there?", reply=reply(), latency_ms=1.0)
    assert log.is_flagged(session) is True


# -- feedback --------------------------------------------------------------------------------------------


def test_feedback_is_stored_with_its_turn(log: ConversationLog) -> None:
    turn_id = log.record_turn(log.start_session(), message="hi", reply=reply(), latency_ms=1.0)
    up = log.record_feedback(turn_id, rating="up")
    down = log.record_feedback(turn_id, rating="down", comment="wrong shop")
    rows = log.feedback(turn_id)
    assert [(r["id"], r["rating"], r["comment"]) for r in rows] == [(up, "up", None), (down, "down", "wrong shop")]


def test_feedback_for_an_unknown_turn_is_refused(log: ConversationLog) -> None:
    with pytest.raises(UnknownTurnError):
        log.record_feedback(12345, rating="up")
    assert count(log, "chat_feedback") == 0


def test_feedback_with_a_bad_rating_is_refused(log: ConversationLog) -> None:
    turn_id = log.record_turn(log.start_session(), message="hi", reply=reply(), latency_ms=1.0)
    with pytest.raises(InputError, match="up or down") as caught:
        log.record_feedback(turn_id, rating="meh")
    assert not isinstance(caught.value, UnknownTurnError)
    assert count(log, "chat_feedback") == 0


# -- what the Assistant logs -----------------------------------------------------------------------------


@pytest.fixture
def assistant(tmp_path: Path) -> Iterator[Assistant]:
    bot = make_assistant(tmp_path)
    yield bot
    bot.close()


def test_assistant_logs_each_turn_with_its_state(assistant: Assistant) -> None:
    first = assistant.respond("where is my parcel")
    [turn] = assistant.log.turns(first.session_id)
    state = assistant.log.load_state(first.session_id)
    assert turn["id"] == first.turn_id
    assert turn["kind"] == "clarify" and turn["intent"] == "track_parcel"
    assert (state.pending_intent, state.pending_slot) == ("track_parcel", "order_id")


def test_assistant_handoff_flags_the_session(assistant: Assistant) -> None:
    asked = assistant.respond("can I talk to a real person")
    other = assistant.respond("Do you ship abroad?")
    assert asked.reply.kind == ReplyKind.HANDOFF
    assert assistant.log.is_flagged(asked.session_id) is True
    assert assistant.log.is_flagged(other.session_id) is False


def test_assistant_masks_pii_in_the_logged_message(assistant: Assistant) -> None:
    turn = assistant.respond(PII_MESSAGE)
    [row] = assistant.log.turns(turn.session_id)
    assert EMAIL not in row["message"] and "[EMAIL]" in row["message"]
    assert "7700 900123" not in row["message"] and "[PHONE]" in row["message"]
    assert "4111" not in row["message"] and "[CARD]" in row["message"]
    assert "NW-483920" in row["message"]  # order numbers are not personal data


def test_assistant_masked_pii_does_not_leak_through_the_logged_explanation(assistant: Assistant) -> None:
    turn = assistant.respond(PII_MESSAGE)
    [row] = assistant.log.turns(turn.session_id)
    assert EMAIL not in json.dumps(row["explanation"])


def test_assistant_keeps_pii_in_the_log_when_masking_is_off(tmp_path: Path) -> None:
    bot = make_assistant(tmp_path, mask_logged_pii=False)
    try:
        turn = bot.respond(PII_MESSAGE)
        [row] = bot.log.turns(turn.session_id)
    finally:
        bot.close()
    assert row["message"] == PII_MESSAGE
