"""Format parsers, detection and the public datasets they must load (knowledge_base.formats)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge_base.errors import InputError
from knowledge_base.formats import (
    FORMATS,
    abcd,
    csv_labelled,
    csv_qa,
    detect_format,
    jsonl,
    parse_text,
    plaintext,
    star,
)
from knowledge_base.formats.base import normalise_text
from knowledge_base.types import ParsedFile, Role

Parser = Callable[..., ParsedFile]

REPO = Path(__file__).resolve().parents[2]
DATASETS = Path(os.environ.get("CHATBOT_DATASETS_DIR", REPO.parent / "shared" / "datasets"))


def strict_error(parse: Parser, text: str, source: str) -> InputError:
    with pytest.raises(InputError) as caught:
        parse(text, source=source, strict=True)
    return caught.value


def assert_message(error: InputError, where: str, *fragments: str) -> None:
    message = str(error)
    assert message.startswith(f"{where}: "), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def assert_skipped(parsed: ParsedFile, source: str, line: int | None, fragment: str) -> None:
    assert len(parsed.issues) == 1, parsed.issues
    issue = parsed.issues[0]
    assert (issue.source, issue.line) == (source, line)
    assert issue.message.startswith("skipped")
    assert fragment in issue.message, issue.message


def jsonl_line(conversation_id: object = "c1", **overrides: object) -> str:
    record: dict[str, object] = {
        "id": conversation_id,
        "turns": [
            {"role": "customer", "text": "Where is my order?"},
            {"role": "agent", "text": "On its way."},
        ],
    }
    record.update(overrides)
    return json.dumps(record)


# --- shared text normalisation ---------------------------------------------------------------------


def test_normalise_text_collapses_spaces_and_keeps_line_breaks() -> None:
    assert normalise_text("  Hello \t  there \r\n\r\n  second\tline  \n") == "Hello there\n\nsecond line"


# --- jsonl --------------------------------------------------------------------------------------------


def test_jsonl_reads_conversations_with_role_synonyms_and_line_numbers() -> None:
    text = "\n".join(
        [
            json.dumps(
                {
                    "id": "a",
                    "intent": "refund",
                    "metadata": {"channel": "chat"},
                    "turns": [
                        {"role": "User", "text": "  I want   my\tmoney back "},
                        {"role": "assistant", "text": "Sure.", "intent": "refund_policy"},
                    ],
                }
            ),
            "",
            json.dumps({"id": 7, "turns": [{"role": "client", "text": "Hi"}, {"role": "Support", "text": "Hello"}]}),
            json.dumps({"id": "b", "turns": [{"role": "visitor", "text": "Hey"}, {"role": "wizard", "text": "Hi!"}]}),
            json.dumps({"id": "c", "turns": [{"role": "customer", "text": "?"}, {"role": "operator", "text": "!"}]}),
        ]
    )
    parsed = jsonl.parse(text, source="chats.jsonl", strict=True)
    assert parsed.format == "jsonl" and parsed.issues == ()
    first, second, third, fourth = parsed.conversations
    assert (first.id, first.intent, first.metadata, first.line) == ("a", "refund", {"channel": "chat"}, 1)
    assert [(t.role, t.text, t.intent, t.line) for t in first.turns] == [
        (Role.CUSTOMER, "I want my money back", None, 1),
        (Role.AGENT, "Sure.", "refund_policy", 1),
    ]
    assert (second.id, second.line, second.metadata) == ("7", 3, {})
    assert [t.role for c in (second, third, fourth) for t in c.turns] == [Role.CUSTOMER, Role.AGENT] * 3


JSONL_BAD_RECORDS = [
    ('{"id": "x", "turns": [', "malformed JSON", "column"),
    ("[1, 2]", "not a JSON object", "array"),
    (jsonl_line(None), "no usable id", "null"),
    (json.dumps({"turns": []}), "no usable id", "key is missing"),
    (jsonl_line("  "), "no usable id", "non-empty string"),
    (jsonl_line(turns="hello"), "has no turns", "string"),
    (jsonl_line(turns=[]), "has no turns", "non-empty list"),
    (jsonl_line(turns=["hi"]), "turn 1 is not a JSON object", "string"),
    (jsonl_line(turns=[{"role": "customer", "text": ""}]), "turn 1: no text", "non-empty string"),
    (jsonl_line(turns=[{"role": "customer", "text": 3}]), "turn 1: no text", "number"),
    (jsonl_line(turns=[{"role": "robot", "text": "hi"}]), "turn 1: unknown role", "'robot'"),
    (jsonl_line(turns=[{"role": "customer", "text": "hi", "intent": 5}]), "intent is not a string", "number"),
    (jsonl_line(intent=["a"]), "intent is not a string", "array"),
    (jsonl_line(metadata="x"), "metadata is not an object", "JSON object"),
    (
        jsonl_line(turns=[{"role": "customer", "text": "hi"}]),
        "conversation 'c1' has no agent turn",
        "1 customer",
    ),
    (
        jsonl_line(turns=[{"role": "agent", "text": "hi"}]),
        "conversation 'c1' has no customer turn",
        "1 agent",
    ),
]


@pytest.mark.parametrize(("bad_line", "problem", "detail"), JSONL_BAD_RECORDS)
def test_jsonl_bad_record_strict_names_file_line_and_problem(bad_line: str, problem: str, detail: str) -> None:
    error = strict_error(jsonl.parse, jsonl_line("ok") + "\n" + bad_line, "chats.jsonl")
    assert_message(error, "chats.jsonl:2", problem, "expected", "found", detail)
    assert (error.source, error.line) == ("chats.jsonl", 2)


@pytest.mark.parametrize(("bad_line", "problem", "detail"), JSONL_BAD_RECORDS)
def test_jsonl_bad_record_lenient_is_skipped_and_reported(bad_line: str, problem: str, detail: str) -> None:
    text = "\n".join([jsonl_line("ok"), bad_line, jsonl_line("ok2")])
    parsed = jsonl.parse(text, source="chats.jsonl", strict=False)
    assert [c.id for c in parsed.conversations] == ["ok", "ok2"]
    assert_skipped(parsed, "chats.jsonl", 2, problem)


def test_jsonl_unknown_role_lists_accepted_roles() -> None:
    error = strict_error(jsonl.parse, jsonl_line(turns=[{"role": "robot", "text": "hi"}]), "c.jsonl")
    assert "customer" in str(error) and "operator" in str(error) and "wizard" in str(error)


def test_jsonl_duplicate_id_points_at_the_first_use() -> None:
    text = "\n".join([jsonl_line("a"), jsonl_line("b"), jsonl_line("a")])
    assert_message(strict_error(jsonl.parse, text, "d.jsonl"), "d.jsonl:3", "duplicate", "line 1")
    parsed = jsonl.parse(text, source="d.jsonl", strict=False)
    assert [c.line for c in parsed.conversations] == [1, 2]
    assert_skipped(parsed, "d.jsonl", 3, "duplicate conversation id 'a'")


@pytest.mark.parametrize("strict", [True, False])
def test_jsonl_file_without_records_raises_even_lenient(strict: bool) -> None:
    with pytest.raises(InputError, match=r"empty\.jsonl: no conversations"):
        jsonl.parse("\n  \n", source="empty.jsonl", strict=strict)


def test_jsonl_file_where_every_record_is_bad_raises_even_lenient() -> None:
    with pytest.raises(InputError) as caught:
        jsonl.parse("nope\n" + jsonl_line(turns=[]), source="bad.jsonl", strict=False)
    assert_message(caught.value, "bad.jsonl", "no usable conversations", "2 skipped", "bad.jsonl:1")


# --- csv_qa -------------------------------------------------------------------------------------------


def test_csv_qa_any_column_order_synonyms_and_extra_columns() -> None:
    text = "Intent , notes,A,Q\nbilling,x,  Pay by   card. ,How do I pay?\n,y,Yes.,Open on Sunday?\n"
    parsed = csv_qa.parse(text, source="faq.csv", strict=True)
    assert parsed.format == "csv_qa" and parsed.conversations == () and parsed.utterances == ()
    assert [(p.question, p.answer, p.intent) for p in parsed.qa_pairs] == [
        ("How do I pay?", "Pay by card.", "billing"),
        ("Open on Sunday?", "Yes.", None),
    ]


def test_csv_qa_multiline_quoted_field_keeps_text_and_line_numbers() -> None:
    text = (
        "question,answer\r\n"
        'How do I return?,"Step 1: pack it.\r\nStep 2: ship it."\r\n'
        '"Second\nquestion",""\r\n'
        "Third?,Answer\r\n"
    )
    parsed = csv_qa.parse(text, source="multi.csv", strict=False)
    assert [(p.question, p.answer) for p in parsed.qa_pairs] == [
        ("How do I return?", "Step 1: pack it.\nStep 2: ship it."),
        ("Third?", "Answer"),
    ]
    assert_skipped(parsed, "multi.csv", 4, "empty answer")
    error = strict_error(csv_qa.parse, text, "multi.csv")
    assert_message(error, "multi.csv:4", "empty answer", "expected a non-empty answer in column 'answer'")


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("question\tanswer\tintent\nWhere, exactly?\tHere; there.\tloc\n", "faq.tsv"),
        ("question\tanswer\tintent\nWhere, exactly?\tHere; there.\tloc\n", "faq.csv"),
        ('question;answer;intent\nWhere, exactly?;"Here; there.";loc\n', "faq.csv"),
        ('instruction,response,intent\n"Where, exactly?","Here; there.",loc\n', "faq.txt"),
    ],
)
def test_csv_qa_delimiter_is_read_from_the_header(text: str, source: str) -> None:
    parsed = csv_qa.parse(text, source=source, strict=True)
    assert [(p.question, p.answer, p.intent) for p in parsed.qa_pairs] == [("Where, exactly?", "Here; there.", "loc")]


def test_csv_qa_customer_and_agent_columns() -> None:
    parsed = csv_qa.parse("Customer,Agent,Label\nHi?,Hello.,greet\n", source="log.csv", strict=True)
    assert [(p.question, p.answer, p.intent) for p in parsed.qa_pairs] == [("Hi?", "Hello.", "greet")]


CSV_QA_BAD_RECORDS = [
    ("  ,An answer", "empty question", "column 'question'"),
    ("A question,", "empty answer", "an empty field"),
    ("one,two,three", "wrong number of fields", "2 fields as in the header on line 1"),
    ("just one", "wrong number of fields", "found 1 fields"),
    ('"q"x,a', "malformed CSV record", "',' expected after '\"'"),
]


@pytest.mark.parametrize(("bad_row", "problem", "detail"), CSV_QA_BAD_RECORDS)
def test_csv_qa_bad_record_strict_and_lenient(bad_row: str, problem: str, detail: str) -> None:
    text = f"question,answer\nok?,ok\n{bad_row}\nfine?,fine\n"
    assert_message(strict_error(csv_qa.parse, text, "qa.csv"), "qa.csv:3", problem, detail)
    parsed = csv_qa.parse(text, source="qa.csv", strict=False)
    assert [p.question for p in parsed.qa_pairs] == ["ok?", "fine?"]
    assert_skipped(parsed, "qa.csv", 3, problem)


def test_csv_qa_unterminated_quote_names_where_the_record_started() -> None:
    text = 'question,answer\nok?,ok\nbroken?,"never closed\nmore\n'
    error = strict_error(csv_qa.parse, text, "qa.csv")
    assert_message(error, "qa.csv:3", "unterminated quoted field", "starting on line 3", "end of the file")


def test_csv_qa_trailing_empty_fields_are_tolerated() -> None:
    parsed = csv_qa.parse("question,answer\nq?,a,,\n", source="qa.csv", strict=True)
    assert [(p.question, p.answer) for p in parsed.qa_pairs] == [("q?", "a")]


@pytest.mark.parametrize("strict", [True, False])
def test_csv_qa_missing_column_raises_even_lenient(strict: bool) -> None:
    with pytest.raises(InputError) as caught:
        csv_qa.parse("question,reply_text\nq,a\n", source="qa.csv", strict=strict)
    assert_message(caught.value, "qa.csv:1", "no answer column", "expected a header line", "'question,reply_text'")


@pytest.mark.parametrize(
    ("text", "fragment"), [("", "the file is empty"), ("\nquestion,answer\n\n", "only the header on line 2")]
)
@pytest.mark.parametrize("strict", [True, False])
def test_csv_qa_file_without_records_raises(text: str, fragment: str, strict: bool) -> None:
    with pytest.raises(InputError, match=fragment) as caught:
        csv_qa.parse(text, source="qa.csv", strict=strict)
    assert str(caught.value).startswith("qa.csv")


# --- csv_labelled -------------------------------------------------------------------------------------


def test_csv_labelled_reads_utterances_with_synonyms() -> None:
    text = 'label;utterance\ncard_arrival;"Where is my card;\n   it is late"\ntop_up;Top up  please\n'
    parsed = csv_labelled.parse(text, source="intents.csv", strict=True)
    assert parsed.format == "csv_labelled" and parsed.qa_pairs == ()
    assert [(u.text, u.intent) for u in parsed.utterances] == [
        ("Where is my card;\nit is late", "card_arrival"),
        ("Top up please", "top_up"),
    ]


@pytest.mark.parametrize(("bad_row", "problem"), [("hello,", "empty intent"), (",greeting", "empty text")])
def test_csv_labelled_bad_record_strict_and_lenient(bad_row: str, problem: str) -> None:
    text = f"text,category\nhi,greeting\n\n{bad_row}\n"
    assert_message(strict_error(csv_labelled.parse, text, "u.csv"), "u.csv:4", problem, "expected", "found")
    parsed = csv_labelled.parse(text, source="u.csv", strict=False)
    assert [u.text for u in parsed.utterances] == ["hi"]
    assert_skipped(parsed, "u.csv", 4, problem)


def test_csv_labelled_missing_intent_column_raises_even_lenient() -> None:
    with pytest.raises(InputError) as caught:
        csv_labelled.parse("text,notes\nhi,x\n", source="u.csv", strict=False)
    assert_message(caught.value, "u.csv:1", "no intent column", "intent (named intent / label / category)")


# --- plaintext ----------------------------------------------------------------------------------------

CHAT = """# exported from the helpdesk

# id: order-17
# intent: late_delivery
Customer: Hi, my parcel   has not arrived.
Agent: Sorry to hear that. Order number?
customer: It is 4411,
  placed last Monday.
\tThanks!

User: Do you ship to Norway?
Support: Yes.
"""


def test_plaintext_reads_blocks_headers_continuations_and_synonyms() -> None:
    parsed = plaintext.parse(CHAT, source="chat.txt", strict=True)
    assert parsed.format == "plaintext" and parsed.issues == ()
    first, second = parsed.conversations
    assert (first.id, first.intent, first.line) == ("order-17", "late_delivery", 3)
    assert [(t.role, t.text, t.line) for t in first.turns] == [
        (Role.CUSTOMER, "Hi, my parcel has not arrived.", 5),
        (Role.AGENT, "Sorry to hear that. Order number?", 6),
        (Role.CUSTOMER, "It is 4411,\nplaced last Monday.\nThanks!", 7),
    ]
    assert (second.id, second.intent, second.line) == ("chat.txt#2", None, 11)
    assert [t.role for t in second.turns] == [Role.CUSTOMER, Role.AGENT]


PLAINTEXT_BAD_BLOCKS = [
    (
        "Customer: hi\nthis line has no speaker\nAgent: hello",
        2,
        "not a message line",
        "'this line has no speaker'",
    ),
    ("Customer: hi\nRobot: beep", 2, "unknown speaker 'Robot'", "expected a speaker among"),
    ("  indented first\nCustomer: hi\nAgent: hello", 1, "continuation line with no message", "indented"),
    ("Customer: hi\nAgent:", 2, "empty agent message", "no text"),
    ("Customer: hi\nClient: anyone?", 1, "has no agent turn", "2 customer turn(s)"),
    ("# id: first\nCustomer: again\nAgent: yes", 1, "duplicate conversation id 'first'", "line 1"),
]


@pytest.mark.parametrize(("block", "line", "problem", "detail"), PLAINTEXT_BAD_BLOCKS)
def test_plaintext_bad_block_strict_and_lenient(block: str, line: int, problem: str, detail: str) -> None:
    text = f"# id: first\nCustomer: ok\nAgent: ok\n\n{block}\n\nCustomer: last\nAgent: bye\n"
    line += 4  # the bad block starts on line 5; `line` counts within it
    assert_message(strict_error(plaintext.parse, text, "log.txt"), f"log.txt:{line}", problem, detail)
    parsed = plaintext.parse(text, source="log.txt", strict=False)
    assert [c.id for c in parsed.conversations] == ["first", "log.txt#3"]
    assert_skipped(parsed, "log.txt", line, problem)


@pytest.mark.parametrize("text", ["", "# only a comment\n\n# and another\n"])
def test_plaintext_without_conversations_raises_even_lenient(text: str) -> None:
    with pytest.raises(InputError, match=r"log\.txt: no conversations"):
        plaintext.parse(text, source="log.txt", strict=False)


# --- abcd ---------------------------------------------------------------------------------------------


def abcd_conversation(convo_id: object = 1, original: list[object] | None = None) -> dict[str, object]:
    return {
        "convo_id": convo_id,
        "scenario": {"flow": "product_defect", "subflow": "return_size", "personal": {}},
        "original": original
        if original is not None
        else [
            ["agent", "Hi!"],
            ["customer", "I need  a return."],
            ["action", "Pulled up account"],
            ["agent", "OK"],
        ],
        "delexed": [],
    }


def test_abcd_reads_conversations_and_drops_actions() -> None:
    text = json.dumps([abcd_conversation(3592), abcd_conversation("x")])
    parsed = abcd.parse(text, source="abcd.json", strict=True)
    first = parsed.conversations[0]
    assert (first.id, first.intent, first.metadata, first.line) == (
        "3592",
        "return_size",
        {"flow": "product_defect"},
        None,
    )
    assert [(t.role, t.text) for t in first.turns] == [
        (Role.AGENT, "Hi!"),
        (Role.CUSTOMER, "I need a return."),
        (Role.AGENT, "OK"),
    ]
    assert parsed.conversations[1].id == "x"


ABCD_BAD = [
    (abcd_conversation(9, [["agent", "Hi"], ["robot", "beep"]]), "unknown speaker 'robot'"),
    (abcd_conversation(9, [["agent", "Hi"], ["customer"]]), "entry 1: malformed entry"),
    (abcd_conversation(9, [["agent", "Hi"], ["action", "x"]]), "has no customer turn"),
    ({"convo_id": 9, "original": []}, "scenario is not a JSON object"),
    ("not an object", "is not a JSON object"),
]


@pytest.mark.parametrize(("bad", "problem"), ABCD_BAD)
def test_abcd_bad_conversation_strict_and_lenient(bad: object, problem: str) -> None:
    text = json.dumps([abcd_conversation(1), bad, abcd_conversation(2)])
    error = strict_error(abcd.parse, text, "abcd.json")
    assert_message(error, "abcd.json", "conversation at index 1", problem, "expected")
    assert error.line is None
    parsed = abcd.parse(text, source="abcd.json", strict=False)
    assert [c.id for c in parsed.conversations] == ["1", "2"]
    assert_skipped(parsed, "abcd.json", None, problem)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[1, 2", "abcd.json:1: the file is not valid JSON"),
        ('{"a": 1}', "not an ABCD conversation list"),
        ("[]", "no conversations"),
    ],
)
def test_abcd_whole_file_problems_raise_even_lenient(text: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        abcd.parse(text, source="abcd.json", strict=False)


# --- star ---------------------------------------------------------------------------------------------


def star_dialogue(dialogue_id: int = 1000, *, said: bool = True) -> dict[str, object]:
    events = [
        {"Agent": "UserGuide", "Action": "instruct", "Text": "You are Jane."},
        {"Agent": "User", "Action": "utter", "Text": "Somebody  took $500."},
        {"Agent": "Wizard", "Action": "request_suggestions", "Text": "name"},
        {"Agent": "Wizard", "Action": "pick_suggestion", "ActionLabel": "ask_name", "Text": "Your name?"},
        {"Agent": "Wizard", "Action": "query", "Text": "fraud_report"},
        {"Agent": "KnowledgeBase", "Action": "return_item", "Text": "ok"},
        {"Agent": "User", "Action": "utter", "Text": " "},
        {"Agent": "Wizard", "Action": "utter", "Text": "Done."},
    ]
    return {
        "DialogueID": dialogue_id,
        "CompletionLevel": "Complete" if said else "EarlyDisconnectDuringDialogue",
        "Scenario": {
            "Happy": True,
            "MultiTask": False,
            "WizardCapabilities": [{"Task": "bank_fraud_report"}],
        },
        "Events": events if said else events[:2],
    }


def test_star_reads_one_dialogue() -> None:
    parsed = star.parse(json.dumps(star_dialogue()), source="1000.json", strict=True)
    (conversation,) = parsed.conversations
    assert (conversation.id, conversation.intent) == ("1000", "bank_fraud_report")
    assert conversation.metadata == {"completion": "Complete", "happy": True}
    assert [(t.role, t.text) for t in conversation.turns] == [
        (Role.CUSTOMER, "Somebody took $500."),
        (Role.AGENT, "Your name?"),
        (Role.AGENT, "Done."),
    ]


def test_star_directory_reads_sorted_files_and_skips_disconnected_dialogues(tmp_path: Path) -> None:
    for dialogue in (star_dialogue(2), star_dialogue(1), star_dialogue(3, said=False)):
        (tmp_path / f"{dialogue['DialogueID']}.json").write_text(json.dumps(dialogue))
    (tmp_path / "notes.txt").write_text("not a dialogue")
    for strict in (True, False):
        parsed = star.read_directory(tmp_path, strict=strict)
        assert [c.id for c in parsed.conversations] == ["1", "2"]
        (issue,) = parsed.issues
        assert issue.source == f"{tmp_path.name}/3.json"
        assert "dialogue 3 ended before both sides spoke" in issue.message


@pytest.mark.parametrize(
    ("content", "line", "problem"),
    [
        ('{"DialogueID": 5,\n "Events": [', 2, "not valid JSON"),
        (json.dumps({"DialogueID": 5, "Scenario": {}, "Events": "x"}), None, "no Events"),
        (json.dumps({"Scenario": {}, "Events": []}), None, "no usable id"),
        (json.dumps(star_dialogue(1)), None, "duplicate DialogueID '1'"),
    ],
)
def test_star_directory_bad_file_strict_and_lenient(
    tmp_path: Path, content: str, line: int | None, problem: str
) -> None:
    (tmp_path / "1.json").write_text(json.dumps(star_dialogue(1)))
    (tmp_path / "2.json").write_text(content)
    bad = f"{tmp_path.name}/2.json"
    with pytest.raises(InputError) as caught:
        star.read_directory(tmp_path, strict=True)
    assert_message(caught.value, bad if line is None else f"{bad}:{line}", problem, "expected")
    parsed = star.read_directory(tmp_path, strict=False)
    assert [c.id for c in parsed.conversations] == ["1"]
    assert_skipped(parsed, bad, line, problem)


def test_star_directory_structural_problems(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no dialogue files"):
        star.read_directory(tmp_path, strict=False)
    with pytest.raises(InputError, match="not a directory"):
        star.read_directory(tmp_path / "missing", strict=False)


def test_star_single_disconnected_dialogue_has_no_usable_conversation() -> None:
    with pytest.raises(InputError, match="no usable conversation"):
        star.parse(json.dumps(star_dialogue(said=False)), source="3.json", strict=False)


# --- detection and parse_text ------------------------------------------------------------------------

DETECTION_CASES = [
    (jsonl_line(), "chats.json", "jsonl"),
    ('{"id": 1}\n', "chats.jsonl", "jsonl"),
    ('{"id": 1}\n', "chats.ndjson", "jsonl"),
    (json.dumps([abcd_conversation()]), "abcd.json", "abcd"),
    (json.dumps(star_dialogue(), indent=1), "1000.json", "star"),
    (json.dumps(star_dialogue()), "dialogue", "star"),
    ("\nInstruction,Intent,Response\nq,i,a\n", "bitext.csv", "csv_qa"),
    ("question\tanswer\nq\ta\n", "faq.tsv", "csv_qa"),
    ("text;label\nhi;greet\n", "u.txt", "csv_labelled"),
    ("text,category\nhi,greet\n", "train.csv", "csv_labelled"),
    (CHAT, "chat.txt", "plaintext"),
    ("User: hello, is anyone there?\nOperator: yes\n", "log", "plaintext"),
]


@pytest.mark.parametrize(("text", "filename", "expected"), DETECTION_CASES)
def test_detect_format(text: str, filename: str, expected: str) -> None:
    assert detect_format(text, filename) == expected


@pytest.mark.parametrize(
    ("text", "first_line"),
    [
        ("\nDear team, the export is attached.\nRegards", "'Dear team, the export is attached.'"),
        ("Robot: beep\nAgent: hi\n", "'Robot: beep'"),
        ('[{"a": 1}]', "'[{\"a\": 1}]'"),
        ("name,email\nx,y\n", "'name,email'"),
    ],
)
def test_detect_format_failure_explains_and_suggests_format_option(text: str, first_line: str) -> None:
    with pytest.raises(InputError) as caught:
        detect_format(text, "upload.dat")
    message = str(caught.value)
    assert message.startswith("upload.dat:")
    assert "--format" in message and first_line in message
    assert all(name in message for name in FORMATS)


def test_detect_format_empty_file() -> None:
    with pytest.raises(InputError, match=r"upload\.csv: the file is empty"):
        detect_format(" \n", "upload.csv")


def test_parse_text_detects_or_uses_the_named_format() -> None:
    assert parse_text(CHAT, source="chat.txt", format=None, strict=True).format == "plaintext"
    parsed = parse_text("text,intent\nhi,greet\n", source="x.csv", format="csv_labelled", strict=True)
    assert [(u.text, u.intent) for u in parsed.utterances] == [("hi", "greet")]


def test_parse_text_unknown_format_lists_the_names() -> None:
    with pytest.raises(InputError) as caught:
        parse_text("x", source="x.txt", format="xml", strict=True)
    assert_message(caught.value, "x.txt", "unknown format", "'xml'", ", ".join(FORMATS))


def test_registry_names() -> None:
    assert set(FORMATS) == {"jsonl", "csv_qa", "csv_labelled", "plaintext", "abcd", "star"}


# --- the public datasets ------------------------------------------------------------------------------


def dataset(relative: str) -> Path:
    if not DATASETS.is_dir():
        pytest.skip(f"public datasets not found at {DATASETS} (set CHATBOT_DATASETS_DIR)")
    return DATASETS / relative


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig")


def test_bitext_loads_as_qa_pairs() -> None:
    path = dataset("bitext_customer_support/Bitext_Sample_Customer_Support_Training_Dataset.csv")
    text = read(path)
    assert detect_format(text, path.name) == "csv_qa"
    parsed = csv_qa.parse(text, source=path.name, strict=True)
    assert len(parsed.qa_pairs) == 4514 and parsed.issues == ()
    assert len({pair.intent for pair in parsed.qa_pairs}) == 27
    assert parsed.qa_pairs[0].question == "how can I cancel purchase 113542617735902?"
    assert parsed.qa_pairs[0].intent == "cancel_order"
    assert "\r" not in parsed.qa_pairs[0].answer and "\n" in parsed.qa_pairs[0].answer


def test_banking77_train_loads_as_labelled_utterances() -> None:
    path = dataset("banking77/train.csv")
    text = read(path)
    assert detect_format(text, path.name) == "csv_labelled"
    parsed = csv_labelled.parse(text, source=path.name, strict=True)
    assert len(parsed.utterances) == 10003 and parsed.issues == ()
    assert len({u.intent for u in parsed.utterances}) == 77
    assert (parsed.utterances[0].text, parsed.utterances[0].intent) == (
        "I am still waiting on my card?",
        "card_arrival",
    )


def test_abcd_sample_loads() -> None:
    path = dataset("abcd_sample/abcd_sample.json")
    text = read(path)
    assert detect_format(text, path.name) == "abcd"
    parsed = abcd.parse(text, source=path.name, strict=True)
    assert [(c.id, c.intent, c.metadata["flow"]) for c in parsed.conversations] == [
        ("3592", "return_size", "product_defect"),
        ("9489", "refund_status", "product_defect"),
        ("3695", "timing_4", "storewide_query"),
    ]
    assert parsed.conversations[0].turns[0].text == "Hi!"


def test_star_bank_directory_loads() -> None:
    directory = dataset("star_bank/dialogues")
    parsed = star.read_directory(directory, strict=True)
    # 519 dialogues: 464 have both customer and agent turns; 55 disconnected before both sides spoke.
    assert len(parsed.conversations) == 464
    assert len(parsed.issues) == 55
    assert len(parsed.conversations) + len(parsed.issues) == len(list(directory.glob("*.json"))) == 519
    assert {c.intent for c in parsed.conversations} == {"bank_fraud_report", "bank_balance"}
    assert detect_format(read(directory / "1000.json"), "1000.json") == "star"
