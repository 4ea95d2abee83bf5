"""ABCD (Action-Based Conversations Dataset, ASAPP) JSON (`abcd`): a JSON list of conversations.

    [{"convo_id": 3592,
      "scenario": {"flow": "product_defect", "subflow": "return_size", ...},
      "original": [["agent", "How can I help you?"],
                   ["customer", "I need to return an item."],
                   ["action", "Account has been pulled up for crystal minh."],
                   ["agent", "Sure, may I have your name please?"]],
      ...}]

- `convo_id` (string or integer) becomes the conversation id; ids must be unique within the file.
- `scenario.subflow` becomes the conversation's intent and `scenario.flow` goes to `metadata["flow"]`.
- `original` lists `[speaker, text]` pairs. Speakers `agent` and `customer` (and their synonyms, see
  `knowledge_base.roles`) become turns; `action` entries are system actions and are dropped, as are
  entries with empty text. Other keys (`delexed`, the scenario's customer and order details) are ignored.
- A conversation with a malformed entry, an unknown speaker, or no customer or no agent turn is a bad
  record (strict: error; lenient: skipped and reported). Line numbers do not apply to a JSON document, so
  messages name the conversation by its index in the list and its `convo_id`.
"""

from __future__ import annotations

from typing import Any

from knowledge_base.errors import InputError
from knowledge_base.formats.base import (
    IssueCollector,
    RecordError,
    normalise_text,
    require_both_roles,
    require_records,
)
from knowledge_base.formats.jsonutil import (
    describe,
    field,
    identifier,
    json_type,
    load_document,
    optional_string,
    require_object,
)
from knowledge_base.roles import ACCEPTED_ROLES, parse_role
from knowledge_base.types import Conversation, ParsedFile, Turn

NAME = "abcd"
DOCUMENT_SHAPE = 'a JSON list of ABCD conversations [{"convo_id": ..., "scenario": {...}, "original": [...]}]'
ACTION_SPEAKER = "action"
ENTRY_SHAPE = '[speaker, text] with speaker "agent", "customer" or "action"'


def parse(text: str, *, source: str, strict: bool) -> ParsedFile:
    data = load_document(text, source=source, expected=DOCUMENT_SHAPE)
    if not isinstance(data, list):
        raise InputError(
            "not an ABCD conversation list",
            source=source,
            expected=DOCUMENT_SHAPE,
            found=f"a JSON {json_type(data)}",
        )
    collector = IssueCollector(source=source, strict=strict)
    conversations: list[Conversation] = []
    seen: set[str] = set()
    for index, item in enumerate(data):
        try:
            conversation = read_conversation(item, index)
            _require_new_id(conversation.id, index, seen)
        except RecordError as error:
            collector.reject(error, line=None)
            continue
        seen.add(conversation.id)
        conversations.append(conversation)
    require_records(len(conversations), collector, what="conversations", expected=DOCUMENT_SHAPE, found="an empty list")
    return ParsedFile(format=NAME, conversations=tuple(conversations), issues=tuple(collector.issues))


def read_conversation(item: object, index: int) -> Conversation:
    """One element of the list as a conversation; raises `RecordError` naming its index and convo_id."""
    record = require_object(item, what=f"conversation at index {index}", expected="a conversation object")
    conversation_id = identifier(
        field(record, "convo_id"), what=f"conversation at index {index}", expected='"convo_id": a string or an integer'
    )
    where = f"conversation at index {index} (convo_id {conversation_id})"
    scenario = require_object(field(record, "scenario"), what=f"{where}: scenario", expected='"scenario": an object')
    turns = _read_turns(field(record, "original"), where)
    try:
        require_both_roles(conversation_id, turns)
    except RecordError as error:
        raise RecordError(f"{where}: {error.message}", expected=error.expected, found=error.found) from None
    return Conversation(
        id=conversation_id,
        turns=turns,
        intent=optional_string(field(scenario, "subflow"), what=f"{where}: subflow", expected="a string"),
        metadata=_metadata(scenario, where),
    )


def _metadata(scenario: dict[str, Any], where: str) -> dict[str, Any]:
    flow = optional_string(field(scenario, "flow"), what=f"{where}: flow", expected="a string")
    return {} if flow is None else {"flow": flow}


def _read_turns(value: object, where: str) -> tuple[Turn, ...]:
    if not isinstance(value, list):
        raise RecordError(f"{where}: no turns", expected='"original": a list of [speaker, text]', found=describe(value))
    turns = (_read_entry(entry, f"{where}, entry {index}") for index, entry in enumerate(value))
    return tuple(turn for turn in turns if turn is not None)


def _read_entry(entry: object, where: str) -> Turn | None:
    if not (isinstance(entry, list) and len(entry) == 2 and all(isinstance(part, str) for part in entry)):
        raise RecordError(f"{where}: malformed entry", expected=ENTRY_SHAPE, found=describe(entry))
    speaker, raw_text = entry
    if speaker.strip().lower() == ACTION_SPEAKER:
        return None
    role = parse_role(speaker)
    if role is None:
        raise RecordError(
            f"{where}: unknown speaker {speaker!r}",
            expected=f"{ACTION_SPEAKER} or one of {ACCEPTED_ROLES}",
            found=repr(speaker),
        )
    text = normalise_text(raw_text)
    return Turn(role=role, text=text) if text else None


def _require_new_id(conversation_id: str, index: int, seen: set[str]) -> None:
    if conversation_id in seen:
        raise RecordError(
            f"conversation at index {index}: duplicate convo_id {conversation_id!r}",
            expected="convo_id values that are unique within the file",
            found="an id used by an earlier conversation",
        )
