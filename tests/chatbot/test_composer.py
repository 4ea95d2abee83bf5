"""The composer's policy, one rule at a time (chatbot.composer): kind, rule name, text and the state it leaves.

Each test hands the composer an explicit intent prediction and explicit retrieval hits, so the rule that
applies is known exactly. The rule name is asserted last, so a wrong name never hides a wrong reply.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from chatbot.assistant import Assistant
from chatbot.composer import (
    CLARIFY_INTENT_TEXT,
    CLARIFY_RETRIEVAL_TEXT,
    FALLBACK_TEXT,
    HANDOFF_TEXT,
    Composer,
)
from chatbot.dialogue import DialogueState
from chatbot.templates import TemplateSet
from chatbot.types import Choice, Hit, IntentPrediction, Reply, ReplyKind
from knowledge_base.types import QAPair
from tests.chatbot.fakes import (
    ANSWERS,
    OOS,
    OPENING_HOURS_TEXT,
    confident,
    make_assistant,
    make_composer,
    make_templates,
)

FRESH = DialogueState()


@pytest.fixture
def templates(tmp_path: Path) -> TemplateSet:
    return make_templates(tmp_path)


@pytest.fixture
def composer(templates: TemplateSet) -> Composer:
    return make_composer(templates)


@pytest.fixture
def assistant(tmp_path: Path) -> Iterator[Assistant]:
    bot = make_assistant(tmp_path)
    yield bot
    bot.close()


def say(
    composer: Composer,
    message: str,
    *,
    intent: IntentPrediction | None = OOS,
    hits: Sequence[Hit] = (),
    state: DialogueState = FRESH,
) -> tuple[Reply, DialogueState]:
    return composer.compose(message, intent=intent, hits=hits, state=state)


def rule_name(reply: Reply) -> str:
    return reply.explanation.rule.split(":", 1)[0]


# -- 1. choice -------------------------------------------------------------------------------------------

INTENT_CHOICES = (Choice("Cancel an order", intent="cancel_order"), Choice("Opening hours", intent="opening_hours"))
QUESTION_CHOICES = (Choice("How much is delivery?", qa_id=4), Choice("Do you ship abroad?", qa_id=6))


@pytest.mark.parametrize("message", ["2", " 2. ", "opening hours", "Opening Hours!"])
def test_choice_picked_by_number_or_label_answers_that_intent(composer: Composer, message: str) -> None:
    reply, state = say(composer, message, state=DialogueState(choices=INTENT_CHOICES))
    assert reply.kind == ReplyKind.TEMPLATE
    assert reply.text == OPENING_HOURS_TEXT
    assert state.choices == ()
    assert rule_name(reply) == "choice"


def test_choice_of_a_retrieved_question_gives_its_answer(composer: Composer) -> None:
    reply, state = say(composer, "2", state=DialogueState(choices=QUESTION_CHOICES))
    assert reply.kind == ReplyKind.RETRIEVAL
    assert reply.text == ANSWERS[6].answer
    assert reply.explanation.answer_qa_id == 6
    assert state.choices == ()
    assert rule_name(reply) == "choice"


def test_choice_sent_back_verbatim_with_its_question_mark_is_picked(composer: Composer) -> None:
    """The chat UI's quick reply sends the label as it is; middling labels are questions ending in '?'."""
    reply, _ = say(composer, "Do you ship abroad?", state=DialogueState(choices=QUESTION_CHOICES))
    assert reply.text == ANSWERS[6].answer
    assert rule_name(reply) == "choice"


def test_number_out_of_range_is_not_a_choice(composer: Composer) -> None:
    reply, _ = say(composer, "3", state=DialogueState(choices=INTENT_CHOICES))
    assert reply.kind == ReplyKind.FALLBACK
    assert rule_name(reply) == "fallback"


# -- 2. slot ---------------------------------------------------------------------------------------------


def test_template_needing_a_missing_slot_asks_for_it_and_waits(composer: Composer) -> None:
    reply, state = say(composer, "where is my parcel", intent=confident("track_parcel"), hits=[Hit(8, 1.0)])
    assert reply.kind == ReplyKind.CLARIFY
    assert "order number" in reply.text
    assert (state.pending_intent, state.pending_slot) == ("track_parcel", "order_id")
    assert "order_id" in reply.explanation.rule
    assert rule_name(reply) == "template"


def test_slot_given_in_the_next_message_fills_the_waiting_template(composer: Composer) -> None:
    _, waiting = say(composer, "where is my parcel", intent=confident("track_parcel"))
    reply, state = say(composer, "NW-123456", state=waiting)
    assert reply.kind == ReplyKind.TEMPLATE
    assert reply.text == "Parcel NW-123456 is with the courier and arrives in 2 days."
    assert (state.pending_intent, state.pending_slot) == (None, None)
    assert state.slots == {"order_id": "NW-123456"}
    assert reply.explanation.slots == {"order_id": "NW-123456"}
    assert rule_name(reply) == "slot"


def test_message_without_the_awaited_slot_is_answered_as_a_new_question(composer: Composer) -> None:
    _, waiting = say(composer, "where is my parcel", intent=confident("track_parcel"))
    reply, _ = say(composer, "Do you ship abroad?", hits=[Hit(6, 1.0)], state=waiting)
    assert reply.kind == ReplyKind.RETRIEVAL
    assert reply.text == ANSWERS[6].answer
    assert rule_name(reply) == "retrieval"


def test_slot_question_and_answer_work_across_turns_of_a_session(assistant: Assistant) -> None:
    first = assistant.respond("where is my parcel")
    second = assistant.respond("it's nw123456", session_id=first.session_id)
    assert first.reply.kind == ReplyKind.CLARIFY
    assert second.reply.kind == ReplyKind.TEMPLATE
    assert second.reply.text == "Parcel NW-123456 is with the courier and arrives in 2 days."
    assert rule_name(second.reply) == "slot"


# -- 3. human --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message", ["can I talk to a real person", "I want to speak with someone please", "get me a human", "agent!"]
)
def test_asking_for_a_person_hands_off(composer: Composer, message: str) -> None:
    reply, state = say(composer, message, hits=[Hit(6, 0.9)])
    assert reply.kind == ReplyKind.HANDOFF
    assert reply.text == HANDOFF_TEXT
    assert state.handed_off is True
    assert rule_name(reply) == "human"


def test_always_human_intent_hands_off(composer: Composer) -> None:
    reply, state = say(composer, "I am taking legal action", intent=confident("legal_complaint"))
    assert reply.kind == ReplyKind.HANDOFF
    assert reply.text == HANDOFF_TEXT
    assert state.handed_off is True
    assert "legal_complaint" in reply.explanation.rule
    assert rule_name(reply) == "human"


def test_asking_for_a_person_beats_a_confident_intent(composer: Composer) -> None:
    reply, _ = say(composer, "opening hours? let me talk to a human", intent=confident("opening_hours"))
    assert reply.kind == ReplyKind.HANDOFF
    assert rule_name(reply) == "human"


# -- 4. template -----------------------------------------------------------------------------------------


def test_confident_intent_with_a_template_gets_the_template(composer: Composer) -> None:
    reply, state = say(composer, "when are you open", intent=confident("opening_hours"), hits=[Hit(3, 0.4)])
    assert reply.kind == ReplyKind.TEMPLATE
    assert reply.text == OPENING_HOURS_TEXT
    assert reply.explanation.model_version == "v1"
    assert state == FRESH
    assert rule_name(reply) == "template"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("I want a refund", "Refunds reach your account within 5 working days."),
        ("refund for NW-123456 please", "The refund for order NW-123456 is on its way."),
        ("refund £20 for NW-123456", "The refund of £20 for order NW-123456 is on its way."),
    ],
)
def test_template_uses_the_most_specific_variant_the_known_slots_allow(
    composer: Composer, message: str, expected: str
) -> None:
    reply, _ = say(composer, message, intent=confident("refund_request"))
    assert reply.kind == ReplyKind.TEMPLATE
    assert reply.text == expected
    assert rule_name(reply) == "template"


def test_slots_from_earlier_turns_fill_the_template(composer: Composer) -> None:
    earlier = DialogueState(slots={"order_id": "NW-777777", "amount": "$5"})
    reply, state = say(composer, "refund please", intent=confident("refund_request"), state=earlier)
    assert reply.text == "The refund of $5 for order NW-777777 is on its way."
    assert state.slots == earlier.slots
    assert rule_name(reply) == "template"


def test_confident_intent_too_close_to_its_runner_up_gets_no_template(composer: Composer) -> None:
    close = IntentPrediction("opening_hours", 0.55, (("cancel_order", 0.5),))
    reply, _ = say(composer, "hours or cancel", intent=close)
    assert reply.kind == ReplyKind.CLARIFY
    assert rule_name(reply) == "ambiguous"


# -- 5. intent+retrieval ---------------------------------------------------------------------------------


def test_confident_intent_without_template_gives_the_best_answer_of_that_intent(composer: Composer) -> None:
    hits = [Hit(6, 0.95), Hit(1, 0.7), Hit(7, 0.6)]  # another intent's answer scores higher
    reply, state = say(composer, "password help", intent=confident("password_reset"), hits=hits)
    assert reply.kind == ReplyKind.RETRIEVAL
    assert reply.text == ANSWERS[1].answer
    assert reply.explanation.answer_qa_id == 1
    assert state.choices == ()


def test_answer_of_a_confident_intent_without_template_is_explained_by_rule_intent_retrieval(
    composer: Composer,
) -> None:
    reply, _ = say(composer, "password help", intent=confident("password_reset"), hits=[Hit(6, 0.95), Hit(1, 0.7)])
    assert reply.explanation.answer_qa_id == 1
    assert rule_name(reply) == "intent+retrieval"


# -- 6. ambiguous ----------------------------------------------------------------------------------------


def test_two_intents_within_the_margin_ask_which_one(composer: Composer) -> None:
    intent = IntentPrediction("cancel_order", 0.46, (("return_item", 0.42), ("change_plan", 0.05)))
    reply, state = say(composer, "cancel or return", intent=intent, hits=[Hit(6, 0.9)])
    assert reply.kind == ReplyKind.CLARIFY
    assert reply.text == CLARIFY_INTENT_TEXT
    assert [c.label for c in reply.choices] == ["Cancel an order", "Return an item"]
    assert [c.intent for c in reply.choices] == ["cancel_order", "return_item"]
    assert state.choices == reply.choices
    assert rule_name(reply) == "ambiguous"


def test_three_close_intents_offer_three_choices(composer: Composer) -> None:
    intent = IntentPrediction("cancel_order", 0.40, (("return_item", 0.35), ("refund_request", 0.30)))
    reply, _ = say(composer, "undo my order", intent=intent)
    assert [c.label for c in reply.choices] == ["Cancel an order", "Return an item", "Ask for a refund"]
    assert rule_name(reply) == "ambiguous"


def test_picking_an_ambiguous_choice_answers_that_intent(composer: Composer) -> None:
    intent = IntentPrediction("cancel_order", 0.46, (("return_item", 0.42),))
    _, offered = say(composer, "cancel or return", intent=intent)
    reply, _ = say(composer, "Return an item", state=offered)
    assert reply.text == "Returns are free within 30 days."
    assert rule_name(reply) == "choice"


# -- 7. retrieval ----------------------------------------------------------------------------------------


def test_without_intent_model_the_best_hit_above_threshold_is_answered(composer: Composer) -> None:
    reply, state = say(composer, "Do you ship abroad?", intent=None, hits=[Hit(6, 0.9), Hit(2, 0.3)])
    assert reply.kind == ReplyKind.RETRIEVAL
    assert reply.text == ANSWERS[6].answer
    assert reply.explanation.answer_qa_id == 6
    assert state.fallbacks_in_a_row == 0
    assert rule_name(reply) == "retrieval"


def test_more_frequent_answer_beats_a_better_scoring_one(composer: Composer) -> None:
    reply, _ = say(composer, "paypal abroad", intent=None, hits=[Hit(7, 0.9), Hit(6, 0.8)])  # counts 1 and 2
    assert reply.explanation.answer_qa_id == 6
    assert rule_name(reply) == "retrieval"


def test_equally_frequent_answers_go_to_the_best_score(composer: Composer) -> None:
    reply, _ = say(composer, "hours or paypal", intent=None, hits=[Hit(3, 0.9), Hit(7, 0.7)])
    assert reply.explanation.answer_qa_id == 3


def test_among_near_duplicate_answers_the_most_frequent_one_is_given(composer: Composer) -> None:
    """#4 (£3.95, said once) and #5 (£4.95, said six times) are near-duplicates: the usual answer is #5's."""
    reply, _ = say(composer, "delivery cost", intent=None, hits=[Hit(4, 0.9), Hit(5, 0.85)])
    assert reply.kind == ReplyKind.RETRIEVAL
    assert reply.text == ANSWERS[5].answer
    assert reply.explanation.answer_qa_id == 5


def test_low_confidence_oos_intent_is_not_confident(composer: Composer) -> None:
    reply, _ = say(composer, "Do you ship abroad?", intent=OOS, hits=[Hit(6, 0.9)])
    assert reply.kind == ReplyKind.RETRIEVAL
    assert reply.text == ANSWERS[6].answer
    assert rule_name(reply) == "retrieval"


def test_answering_something_else_withdraws_the_offered_choices(composer: Composer) -> None:
    """After an unrelated answer, "2" must not pick from the menu offered two messages ago."""
    reply, state = say(
        composer, "Can I pay with PayPal?", hits=[Hit(7, 1.0)], state=DialogueState(choices=QUESTION_CHOICES)
    )
    assert reply.kind == ReplyKind.RETRIEVAL
    assert state.choices == ()


# -- 8. middling -----------------------------------------------------------------------------------------


def test_middling_score_offers_the_distinct_retrieved_questions(composer: Composer) -> None:
    hits = [Hit(4, 0.48), Hit(5, 0.46), Hit(6, 0.45), Hit(7, 0.3)]  # 5 repeats 4's answer; 7 is below the band
    reply, state = say(composer, "delivery", intent=None, hits=hits)
    assert reply.kind == ReplyKind.CLARIFY
    assert reply.text == CLARIFY_RETRIEVAL_TEXT
    assert [c.label for c in reply.choices] == ["How much is delivery?", "Do you ship abroad?"]
    assert [c.qa_id for c in reply.choices] == [4, 6]
    assert state.choices == reply.choices
    assert rule_name(reply) == "middling"


def test_picking_a_middling_choice_by_number_answers_it(composer: Composer) -> None:
    _, offered = say(composer, "delivery", intent=None, hits=[Hit(4, 0.48), Hit(6, 0.45)])
    reply, state = say(composer, "2", intent=None, state=offered)
    assert reply.text == ANSWERS[6].answer
    assert state.choices == ()
    assert rule_name(reply) == "choice"


# -- 9. fallback -----------------------------------------------------------------------------------------


def test_nothing_applies_gives_an_honest_fallback_offering_a_person(composer: Composer) -> None:
    reply, state = say(composer, "xyzzy", hits=[Hit(6, 0.2)])
    assert reply.kind == ReplyKind.FALLBACK
    assert reply.text == FALLBACK_TEXT
    assert "don't know" in reply.text and "support team" in reply.text
    assert state.fallbacks_in_a_row == 1
    assert state.handed_off is False
    assert rule_name(reply) == "fallback"


def test_second_fallback_in_a_row_hands_off(composer: Composer) -> None:
    _, once = say(composer, "xyzzy")
    reply, state = say(composer, "plugh", state=once)
    assert reply.kind == ReplyKind.HANDOFF
    assert reply.text == HANDOFF_TEXT
    assert state.handed_off is True
    assert state.fallbacks_in_a_row == 0
    assert "2 fallbacks in a row" in reply.explanation.rule


@pytest.mark.parametrize(
    ("message", "intent", "hits"),
    [
        ("Do you ship abroad?", None, [Hit(6, 0.9)]),  # retrieval
        ("when are you open", confident("opening_hours"), []),  # template
        ("delivery", None, [Hit(4, 0.45)]),  # middling
    ],
)
def test_any_reply_but_a_fallback_resets_the_fallback_count(
    composer: Composer, message: str, intent: IntentPrediction | None, hits: list[Hit]
) -> None:
    _, once = say(composer, "xyzzy")
    _, reset = say(composer, message, intent=intent, hits=hits, state=once)
    reply, state = say(composer, "plugh", state=reset)
    assert reset.fallbacks_in_a_row == 0
    assert reply.kind == ReplyKind.FALLBACK
    assert state.fallbacks_in_a_row == 1


@pytest.mark.parametrize(
    "personal",
    [
        "I've sent a reset link to [EMAIL]; it works for an hour.",
        "Order NW-483920 left our warehouse yesterday.",
        "We'll call you back on [PHONE].",
    ],
)
def test_an_answer_written_for_one_customer_is_never_given_to_another(templates: TemplateSet, personal: str) -> None:
    answers = {**ANSWERS, 9: QAPair("Where is my parcel?", personal, "track_parcel", id=9, dataset_id=1)}
    composer = make_composer(templates, answers=answers)
    reply, _ = say(composer, "where is my parcel", hits=[Hit(9, 0.95), Hit(8, 0.9)])
    assert reply.kind == ReplyKind.RETRIEVAL
    assert reply.text == ANSWERS[8].answer
    assert [h.qa_id for h in reply.explanation.hits] == [9, 8]  # the explanation still shows what was found

    reply, _ = say(composer, "where is my parcel", hits=[Hit(9, 0.95)])
    assert reply.kind == ReplyKind.FALLBACK
