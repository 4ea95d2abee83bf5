"""Mining QA pairs and labelled utterances from conversations (knowledge_base.mining)."""

from __future__ import annotations

import pytest

from knowledge_base.mining import deduplicate, is_courtesy, labelled_customer_turns, mine, mine_conversation
from knowledge_base.types import Conversation, QAPair, Role, Turn

C, A = Role.CUSTOMER, Role.AGENT


def convo(*turns: tuple[Role, str] | tuple[Role, str, str], intent: str | None = None) -> Conversation:
    return Conversation("c1", tuple(Turn(*turn) for turn in turns), intent=intent)


def qa(conversation: Conversation) -> list[tuple[str, str]]:
    return [(pair.question, pair.answer) for pair in mine_conversation(conversation)]


@pytest.mark.parametrize(
    "text",
    [
        "Hi there!",
        "thanks, bye",
        "You're welcome, have a great day!",
        "You’re welcome, have a great day!",  # typographic apostrophe
        "Hello! How can I help you today?",
        "Thank you so much!",
        "ok great",
        "Is there anything else I can help you with?",
        "",
    ],
)
def test_courtesy_only_text(text: str) -> None:
    assert is_courtesy(text)


@pytest.mark.parametrize(
    "text",
    [
        "Hi, where is my order?",
        "Thanks, but the parcel never came",
        "NW-483920",
        "No",
        "¿Dónde está mi pedido?",
        "Где мой заказ?",  # text in a non-Latin script has content too
        "我的订单在哪里？",
    ],
)
def test_text_with_content_is_not_courtesy(text: str) -> None:
    assert not is_courtesy(text)


def test_greetings_and_sign_offs_are_dropped() -> None:
    conversation = convo(
        (C, "Hi there!"),
        (A, "Hello! How can I help you today?"),
        (C, "Where is my parcel?"),
        (A, "It arrives tomorrow before noon."),
        (C, "thanks, bye"),
        (A, "You're welcome, have a great day!"),
    )
    assert qa(conversation) == [("Where is my parcel?", "It arrives tomorrow before noon.")]


def test_consecutive_turns_of_one_speaker_are_merged() -> None:
    conversation = convo(
        (C, "My order is late."),
        (C, "It was due on Monday."),
        (A, "Sorry about that."),
        (A, "It ships today."),
    )
    assert qa(conversation) == [("My order is late.\nIt was due on Monday.", "Sorry about that.\nIt ships today.")]


def test_merging_skips_courtesy_in_between() -> None:
    conversation = convo((C, "My order is late."), (A, "Hello!"), (C, "It was due Monday."), (A, "It ships today."))
    assert qa(conversation) == [("My order is late.\nIt was due Monday.", "It ships today.")]


def test_each_question_answer_exchange_is_a_pair() -> None:
    conversation = convo(
        (C, "Do you ship to Norway?"),
        (A, "Yes, in 3 to 5 working days."),
        (C, "And what does it cost to ship there?"),
        (A, "Shipping is free over 50 euros."),
    )
    assert qa(conversation) == [
        ("Do you ship to Norway?", "Yes, in 3 to 5 working days."),
        ("And what does it cost to ship there?", "Shipping is free over 50 euros."),
    ]


SLOT_FILLING = convo(
    (C, "Where is my order?"),
    (A, "Could you give me your order number?"),
    (C, "NW-483920"),
    (A, "It left our warehouse yesterday and arrives on Friday."),
    intent="order_status",
)


def test_slot_filling_exchange_is_folded_into_one_pair() -> None:
    assert qa(SLOT_FILLING) == [("Where is my order?", "It left our warehouse yesterday and arrives on Friday.")]


def test_brief_reply_to_a_detail_request_is_not_a_labelled_utterance() -> None:
    texts = [u.text for u in labelled_customer_turns(SLOT_FILLING)]
    assert texts == ["Where is my order?"]


def test_several_detail_requests_in_a_row_are_folded_too() -> None:
    conversation = convo(
        (C, "Where is my order?"),
        (A, "Could you give me your order number?"),
        (C, "NW-483920"),
        (A, "Thanks! And your postcode?"),
        (C, "AB1 2CD"),
        (A, "It left our warehouse yesterday and arrives on Friday."),
        intent="order_status",
    )
    assert qa(conversation) == [("Where is my order?", "It left our warehouse yesterday and arrives on Friday.")]
    assert [u.text for u in labelled_customer_turns(conversation)] == ["Where is my order?"]


def test_long_reply_to_a_detail_request_starts_a_new_question() -> None:
    conversation = convo(
        (C, "Where is my order?"),
        (A, "Could you give me your order number?"),
        (C, "I do not have it, but can I change the delivery address instead?"),
        (A, "Yes, in your account settings."),
    )
    assert qa(conversation) == [
        ("Where is my order?", "Could you give me your order number?"),
        ("I do not have it, but can I change the delivery address instead?", "Yes, in your account settings."),
    ]


def test_conversation_ending_with_an_agent_question_still_yields_a_pair() -> None:
    conversation = convo((C, "I want to change my delivery address."), (A, "Could you give me your order number?"))
    assert qa(conversation) == [("I want to change my delivery address.", "Could you give me your order number?")]


def test_unanswered_question_yields_no_pair() -> None:
    assert qa(convo((A, "How can I help?"), (C, "Where is my order?"))) == []


def test_turn_intent_beats_conversation_intent() -> None:
    conversation = convo(
        (C, "I was charged twice.", "double_charge"),
        (A, "I have refunded the second charge."),
        (C, "When will the refund arrive?"),
        (A, "Within 5 working days."),
        intent="refund",
    )
    assert [p.intent for p in mine_conversation(conversation)] == ["double_charge", "refund"]
    assert [(u.text, u.intent) for u in labelled_customer_turns(conversation)] == [
        ("I was charged twice.", "double_charge"),
        ("When will the refund arrive?", "refund"),
    ]


def test_unlabelled_conversation_gives_pairs_without_intent_and_no_utterances() -> None:
    conversation = convo((C, "Do you ship to Norway?"), (A, "Yes, in 3 to 5 working days."))
    assert [(p.intent, p.conversation_id) for p in mine_conversation(conversation)] == [(None, "c1")]
    assert labelled_customer_turns(conversation) == []


def test_conversation_in_a_non_latin_script_yields_pairs() -> None:
    conversation = convo((C, "Где мой заказ?"), (A, "Он будет доставлен в пятницу."))
    assert qa(conversation) == [("Где мой заказ?", "Он будет доставлен в пятницу.")]


def test_exact_duplicates_are_merged_with_counts_added() -> None:
    pairs = [QAPair("Where is my order?", "It ships today.", count=3), QAPair("Where is my order?", "It ships today.")]
    [merged] = deduplicate(pairs)
    assert merged.count == 4


def test_near_duplicates_differing_in_case_punctuation_and_digits_are_merged() -> None:
    pairs = [
        QAPair("Where is order NW-1?", "It ships on day 2."),
        QAPair("where is order nw-22", "It ships on day 3!", intent="order_status", count=2),
        QAPair("WHERE IS ORDER NW 333", "it ships on day 4"),
    ]
    [merged] = deduplicate(pairs)
    assert (merged.question, merged.answer) == ("Where is order NW-1?", "It ships on day 2.")  # first text kept
    assert merged.count == 4
    assert merged.intent == "order_status"  # the first known intent is kept


def test_same_question_with_different_answers_stays_apart() -> None:
    pairs = [QAPair("Where is my order?", "It ships today."), QAPair("Where is my order?", "It was delivered.")]
    assert [p.answer for p in deduplicate(pairs)] == ["It ships today.", "It was delivered."]


def test_different_questions_in_a_non_latin_script_stay_apart() -> None:
    pairs = [QAPair("Где мой заказ?", "В пути."), QAPair("Как вернуть товар?", "Через личный кабинет.")]
    assert len(deduplicate(pairs)) == 2


def test_mine_deduplicates_across_conversations_in_order_of_first_appearance() -> None:
    first = Conversation("a", (Turn(C, "Do you ship abroad?"), Turn(A, "Yes.")))
    second = Conversation("b", (Turn(C, "Opening hours?"), Turn(A, "9 to 5.")))
    third = Conversation("c", (Turn(C, "do you ship ABROAD"), Turn(A, "yes")))
    pairs = mine([first, second, third])
    assert [(p.question, p.count, p.conversation_id) for p in pairs] == [
        ("Do you ship abroad?", 2, "a"),
        ("Opening hours?", 1, "b"),
    ]
