"""Answer templates (chatbot.templates): loading, validation with file and line, and choosing a variant."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest

from chatbot.dialogue import DialogueState
from chatbot.errors import InputError
from chatbot.slots import SlotFiller
from chatbot.templates import Template, load_templates
from chatbot.types import ReplyKind
from knowledge_base.demo import CONVERSATIONS, TEMPLATES
from tests.chatbot.fakes import OOS, confident, make_composer, write_templates

RNG = random.Random(0)


def refused(tmp_path: Path, text: str, *, known_intents: set[str] | None = None) -> InputError:
    path = write_templates(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_templates(path, known_intents=known_intents)
    error = caught.value
    assert error.source == str(path)
    return error


def located(error: InputError, line: int) -> bool:
    """The error points at `line` and its message starts with file:line."""
    return error.line == line and str(error).startswith(f"{error.source}:{line}: ")


def template(*variants: str) -> Template:
    names = tuple(frozenset(name for _, name, _, _ in string.Formatter().parse(v) if name) for v in variants)
    return Template("refund_request", variants, "Refund", placeholders=names)


# -- the demo file ---------------------------------------------------------------------------------------


def demo_intents() -> set[str]:
    lines = CONVERSATIONS.read_text(encoding="utf-8").splitlines()
    return {json.loads(line)["intent"] for line in lines if line.strip() and json.loads(line).get("intent")}


def test_demo_templates_load_and_validate_against_the_demo_intents() -> None:
    templates = load_templates(TEMPLATES, known_intents=demo_intents())
    assert len(templates.templates) == 27
    assert set(templates.templates) == demo_intents()
    assert templates.get("talk_to_human") is not None and templates.get("talk_to_human").always_human
    assert all(t.variants for t in templates.templates.values())


def test_every_demo_intent_has_a_variant_that_needs_no_slot() -> None:
    templates = load_templates(TEMPLATES)
    assert all(t.fill({}, RNG) is not None for t in templates.templates.values())


# -- validation ------------------------------------------------------------------------------------------


def test_unknown_intent_names_the_file_and_the_line_of_its_table(tmp_path: Path) -> None:
    text = '[intents.opening_hours]\nvariants = ["Open 9-5."]\n\n[intents.mystery]\nvariants = ["?"]\n'
    error = refused(tmp_path, text, known_intents={"opening_hours"})
    assert located(error, 4)
    assert "'mystery'" in str(error)
    assert "opening_hours" in str(error)  # what would have been accepted


def test_any_intent_is_accepted_when_the_known_intents_are_not_given(tmp_path: Path) -> None:
    path = write_templates(tmp_path, '[intents.mystery]\nvariants = ["?"]\n')
    assert set(load_templates(path).templates) == {"mystery"}


def test_unknown_placeholder_names_the_line_of_the_variant_and_the_allowed_ones(tmp_path: Path) -> None:
    text = (
        "[intents.order_status]\n"
        "variants = [\n"
        '    "Orders ship within a day.",\n'
        '    "Your order {order_id} is on its way.",\n'
        '    "Hello {customer_name}, your order {order_id} is on its way.",\n'
        "]\n"
    )
    error = refused(tmp_path, text)
    assert located(error, 5)
    assert "{customer_name}" in str(error)
    for allowed in ("{order_id}", "{email}", "{date}", "{amount}"):
        assert allowed in str(error)


def test_bad_placeholder_syntax_is_refused_with_its_line(tmp_path: Path) -> None:
    error = refused(tmp_path, '[intents.x]\nvariants = ["Use the code {SAVE10 today."]\n')
    assert located(error, 2)


@pytest.mark.parametrize(
    "table",
    ["variants = []", 'variants = [""]', 'variants = ["   "]', 'title = "No variants"', 'variants = "just one"'],
)
def test_table_without_variants_is_refused_at_its_line(tmp_path: Path, table: str) -> None:
    error = refused(tmp_path, f'[intents.ok]\nvariants = ["Fine."]\n\n[intents.opening_hours]\n{table}\n')
    assert located(error, 4)
    assert "variants" in str(error)


def test_invalid_toml_names_the_file_and_where_it_broke(tmp_path: Path) -> None:
    error = refused(tmp_path, '[intents.opening_hours]\nvariants = ["Open 9-5."\ntitle = "Hours"\n')
    assert str(error).startswith(f"{error.source}: ")
    assert "not valid TOML" in str(error)
    assert "line 3" in str(error)


def test_unknown_key_names_its_line(tmp_path: Path) -> None:
    error = refused(tmp_path, '[intents.opening_hours]\nvariants = ["Open 9-5."]\ntitel = "Hours"\n')
    assert located(error, 3)
    assert "'titel'" in str(error)
    assert "variants, title, always_human" in str(error)


def test_unknown_table_is_refused(tmp_path: Path) -> None:
    error = refused(tmp_path, '[intent.opening_hours]\nvariants = ["Open 9-5."]\n')
    assert located(error, 1)
    assert "[intent]" in str(error)


def test_always_human_must_be_true_or_false(tmp_path: Path) -> None:
    error = refused(tmp_path, '[intents.legal]\nvariants = ["Wait."]\nalways_human = "yes"\n')
    assert located(error, 1)
    assert "always_human" in str(error)


def test_bad_slot_regex_names_the_line_of_its_table(tmp_path: Path) -> None:
    text = '[intents.x]\nvariants = ["Ok."]\n\n[slots.order_id]\npattern = "NW-(\\\\d{6}"\n'
    error = refused(tmp_path, text)
    assert located(error, 4)
    assert "bad regular expression" in str(error)


def test_slot_without_a_pattern_is_refused(tmp_path: Path) -> None:
    error = refused(tmp_path, '[slots.postcode]\nregex = "[A-Z]+"\n')
    assert located(error, 1)
    assert "pattern" in str(error)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_templates(tmp_path / "nope.toml")


# -- custom slots ----------------------------------------------------------------------------------------

CUSTOM_SLOTS = """\
[intents.track_parcel]
variants = ["Parcel {order_id} is with the courier."]

[intents.store_locations]
variants = ["Your nearest showroom to {postcode} is open today."]

[slots.order_id]
pattern = "ORD-\\\\d{4}"

[slots.postcode]
pattern = "[A-Z]{1,2}\\\\d[A-Z\\\\d]? ?\\\\d[A-Z]{2}"
"""


def test_custom_slot_patterns_are_used_by_the_slot_filler(tmp_path: Path) -> None:
    templates = load_templates(write_templates(tmp_path, CUSTOM_SLOTS))
    found = templates.slot_filler().extract("my order ORD-1234 goes to SW1A 1AA")
    assert found["order_id"] == "ORD-1234"
    assert found["postcode"] == "SW1A 1AA"
    assert "order_id" not in SlotFiller().extract("my order ORD-1234")  # the built-in pattern would miss it


def test_custom_slot_fills_a_waiting_template(tmp_path: Path) -> None:
    composer = make_composer(load_templates(write_templates(tmp_path, CUSTOM_SLOTS)))
    asked, waiting = composer.compose(
        "where's my parcel", intent=confident("track_parcel"), hits=(), state=DialogueState()
    )
    reply, _ = composer.compose("ORD-1234", intent=OOS, hits=(), state=waiting)
    assert asked.kind == ReplyKind.CLARIFY
    assert reply.kind == ReplyKind.TEMPLATE
    assert reply.text == "Parcel ORD-1234 is with the courier."


# -- choosing a variant ----------------------------------------------------------------------------------

REFUND = template(
    "Refunds take 5 working days.",
    "The refund for {order_id} is on its way.",
    "The refund of {amount} for {order_id} is on its way.",
    "We emailed {email} about it.",
)


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        ({}, "Refunds take 5 working days."),
        ({"amount": "£5"}, "Refunds take 5 working days."),
        ({"order_id": "NW-123456"}, "The refund for NW-123456 is on its way."),
        ({"order_id": "NW-123456", "amount": "£5"}, "The refund of £5 for NW-123456 is on its way."),
        ({"order_id": "NW-123456", "amount": "£5", "date": "Friday"}, "The refund of £5 for NW-123456 is on its way."),
    ],
)
def test_fill_uses_the_variant_with_the_most_known_slots(slots: dict[str, str], expected: str) -> None:
    assert REFUND.fill(slots, random.Random(0)) == expected


def test_fill_chooses_among_equally_specific_variants() -> None:
    two = template("Refunds take 5 days.", "Refunds take five working days.")
    seen = {two.fill({}, random.Random(seed)) for seed in range(20)}
    assert seen == set(two.variants)


def test_fill_gives_none_when_every_variant_needs_a_missing_slot() -> None:
    needs = template("Parcel {order_id} arrives on {date}.", "We emailed {email}.")
    assert needs.fill({"order_id": "NW-123456"}, RNG) is None


def test_missing_slot_is_the_one_the_closest_variant_needs() -> None:
    needs = template("Parcel {order_id} arrives on {date}.", "We emailed {email} about {order_id} on {date}.")
    assert needs.missing_slot({}) == "date"  # first missing, alphabetically, of the variant missing fewest
    assert needs.missing_slot({"date": "Friday"}) == "order_id"
    assert needs.missing_slot({"email": "jo@example.com", "date": "Friday"}) == "order_id"


def test_missing_slot_is_none_when_a_variant_can_be_filled() -> None:
    assert REFUND.missing_slot({}) is None
    assert template("Parcel {order_id}.").missing_slot({"order_id": "NW-123456"}) is None


def test_title_defaults_to_the_intent_name(tmp_path: Path) -> None:
    templates = load_templates(write_templates(tmp_path, '[intents.track_parcel]\nvariants = ["Soon."]\n'))
    assert templates.title("track_parcel") == "Track parcel"
    assert templates.title("not_templated") == "Not templated"
