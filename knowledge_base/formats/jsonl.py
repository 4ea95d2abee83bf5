"""Canonical transcript format (`jsonl`): one conversation per line, as a JSON object.

    {"id": "c1", "intent": "refund", "turns": [{"role": "customer", "text": "Can I get my money back?"},
        {"role": "agent", "text": "Yes, within 30 days.", "intent": "refund_policy"}]}

Keys:

- `id` (required): a non-empty string, unique within the file; integer ids are accepted and read as strings.
- `turns` (required): a non-empty list of `{"role", "text", "intent"?}` objects. `role` is a speaker name
  (customer, user, client, visitor, ... for the customer; agent, assistant, support, wizard, operator, ...
  for the agent; see `knowledge_base.roles`), `text` a non-empty string, `intent` an optional string.
  A conversation needs at least one customer turn and one agent turn.
- `intent` (optional): a string naming the conversation's intent.
- `metadata` (optional): a JSON object, kept as it is.

Blank lines are ignored. `null` counts as absent for the optional keys. A line that breaks these rules
is a bad record: strict parsing stops there, lenient parsing skips it and reports it with its line number.
"""

from __future__ import annotations

import json
from typing import Any

from knowledge_base.formats.base import (
    IssueCollector,
    RecordError,
    normalise_text,
    require_both_roles,
    require_records,
    shorten,
    split_lines,
)
from knowledge_base.formats.jsonutil import (
    describe,
    field,
    identifier,
    is_absent,
    optional_string,
    require_object,
)
from knowledge_base.roles import ACCEPTED_ROLES, parse_role
from knowledge_base.types import Conversation, ParsedFile, Turn

NAME = "jsonl"
RECORD_SHAPE = 'one JSON object per line: {"id": ..., "turns": [{"role": ..., "text": ...}, ...]}'
TURN_SHAPE = 'a turn object {"role": "customer"|"agent"|..., "text": "...", "intent"?: "..."}'


def parse(text: str, *, source: str, strict: bool) -> ParsedFile:
    collector = IssueCollector(source=source, strict=strict)
    conversations: list[Conversation] = []
    first_line_of: dict[str, int] = {}
    for line_no, line in enumerate(split_lines(text), start=1):
        if not line.strip():
            continue
        try:
            conversation = read_conversation(line, line_no)
            _require_new_id(conversation.id, first_line_of)
        except RecordError as error:
            collector.reject(error, line=line_no)
            continue
        first_line_of[conversation.id] = line_no
        conversations.append(conversation)
    require_records(
        len(conversations), collector, what="conversations", expected=RECORD_SHAPE, found="no non-blank line"
    )
    return ParsedFile(format=NAME, conversations=tuple(conversations), issues=tuple(collector.issues))


def read_conversation(line: str, line_no: int) -> Conversation:
    """One line of the file as a conversation; raises `RecordError` when the line breaks the format."""
    record = _load_object(line)
    conversation_id = identifier(
        field(record, "id"), what="the conversation", expected='"id": a non-empty string or an integer'
    )
    turns = _read_turns(field(record, "turns"), conversation_id, line_no)
    require_both_roles(conversation_id, turns)
    where = f"conversation {conversation_id!r}"
    intent = optional_string(field(record, "intent"), what=f"{where}: intent", expected='"intent": a string')
    return Conversation(
        id=conversation_id,
        turns=turns,
        intent=intent,
        metadata=_read_metadata(field(record, "metadata"), where),
        line=line_no,
    )


def _load_object(line: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        start = max(0, error.colno - 20)
        raise RecordError(
            "malformed JSON",
            expected=RECORD_SHAPE,
            found=f"{error.msg} at column {error.colno}, near {shorten(line[start : start + 40])}",
        ) from None
    return require_object(value, what="the line", expected=RECORD_SHAPE)


def _read_turns(value: object, conversation_id: str, line_no: int) -> tuple[Turn, ...]:
    if not isinstance(value, list) or not value:
        raise RecordError(
            f"conversation {conversation_id!r} has no turns",
            expected='"turns": a non-empty list of turn objects',
            found=describe(value),
        )
    where = f"conversation {conversation_id!r}, turn"
    return tuple(_read_turn(item, f"{where} {index}", line_no) for index, item in enumerate(value, start=1))


def _read_turn(value: object, where: str, line_no: int) -> Turn:
    turn = require_object(value, what=where, expected=TURN_SHAPE)
    role_name = field(turn, "role")
    role = parse_role(role_name) if isinstance(role_name, str) else None
    if role is None:
        raise RecordError(
            f"{where}: unknown role", expected=f"a role among {ACCEPTED_ROLES}", found=describe(role_name)
        )
    raw_text = field(turn, "text")
    text = normalise_text(raw_text) if isinstance(raw_text, str) else ""
    if not text:
        raise RecordError(f"{where}: no text", expected='"text": a non-empty string', found=describe(raw_text))
    intent = optional_string(field(turn, "intent"), what=f"{where}: intent", expected='"intent": a string')
    return Turn(role=role, text=text, intent=intent, line=line_no)


def _read_metadata(value: object, where: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if is_absent(value):
        return {}
    raise RecordError(
        f"{where}: metadata is not an object", expected='"metadata": a JSON object', found=describe(value)
    )


def _require_new_id(conversation_id: str, first_line_of: dict[str, int]) -> None:
    if conversation_id in first_line_of:
        raise RecordError(
            f"duplicate conversation id {conversation_id!r}",
            expected="ids that are unique within the file",
            found=f"the id already used on line {first_line_of[conversation_id]}",
        )
