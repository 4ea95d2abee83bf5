"""Plain-text chat logs (`plaintext`): conversations separated by blank lines, one `Speaker: text` a message.

    # id: order-17
    # intent: late_delivery
    Customer: Hi, my parcel has not arrived.
    Agent: Sorry to hear that. Could you give me the order number?
    Customer: It is 4411,
      placed last Monday.

    User: Do you ship to Norway?
    Support: Yes, in 3 to 5 working days.

- A conversation is a block of non-blank lines; one or more blank lines end it.
- A message line is `Speaker: text`. The speaker is matched case-insensitively against the known names
  (customer, user, client, visitor, ... for the customer; agent, assistant, support, operator, ... for the
  agent; see `knowledge_base.roles`).
- A line that starts with a space or tab continues the previous message (the lines are kept as separate
  lines of the message text).
- Lines starting with `#` are comments, except the block headers `# id: ...` (the conversation id) and
  `# intent: ...` (its intent). Without `# id:` a conversation is named `<file name>#<n>`, n counting the
  blocks of the file from 1. A block made only of comments is ignored.
- A line that is neither a message, a continuation nor a comment, an unknown speaker, an empty message,
  a repeated id and a conversation without a customer or without an agent message make the whole block
  a bad record (strict: error; lenient: the block is skipped and reported with the offending line).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from knowledge_base.formats.base import (
    IssueCollector,
    RecordError,
    normalise_text,
    require_both_roles,
    require_records,
    shorten,
    split_lines,
)
from knowledge_base.roles import ACCEPTED_ROLES, parse_role
from knowledge_base.types import Conversation, ParsedFile, Role, Turn

NAME = "plaintext"
MESSAGE = re.compile(r"^(?P<speaker>[^\W\d_][\w .'-]{0,39}?)\s*:(?P<text>.*)$")
HEADER = re.compile(r"^#\s*(?P<key>id|intent)\s*:(?P<value>.*)$", re.IGNORECASE)
LINE_SHAPE = "a 'Speaker: text' line, an indented continuation line or a '#' comment"

Line = tuple[int, str]


class _BadLine(RecordError):
    """A record error that points at one line of the block rather than its first line."""

    def __init__(self, line_no: int, message: str, *, expected: str, found: str) -> None:
        super().__init__(message, expected=expected, found=found)
        self.line_no = line_no


@dataclass
class _Message:
    role: Role
    line: int
    lines: list[str] = field(default_factory=list)


@dataclass
class _Block:
    first_line: int
    id: str | None = None
    intent: str | None = None
    messages: list[_Message] = field(default_factory=list)


def parse(text: str, *, source: str, strict: bool) -> ParsedFile:
    collector = IssueCollector(source=source, strict=strict)
    conversations: list[Conversation] = []
    first_line_of: dict[str, int] = {}
    number = 0
    for lines in _blocks(text):
        if all(_is_plain_comment(line) for _, line in lines):
            continue
        number += 1
        try:
            conversation = _read_block(lines, default_id=f"{source}#{number}", first_line_of=first_line_of)
        except _BadLine as error:
            collector.reject(error, line=error.line_no)
            continue
        first_line_of[conversation.id] = lines[0][0]
        conversations.append(conversation)
    require_records(
        len(conversations),
        collector,
        what="conversations",
        expected="blocks of 'Customer: ...' / 'Agent: ...' lines separated by blank lines",
        found="only blank lines and comments",
    )
    return ParsedFile(format=NAME, conversations=tuple(conversations), issues=tuple(collector.issues))


def _blocks(text: str) -> Iterator[list[Line]]:
    """Runs of non-blank lines with their line numbers."""
    block: list[Line] = []
    for line_no, line in enumerate(split_lines(text), start=1):
        if line.strip():
            block.append((line_no, line))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _is_plain_comment(line: str) -> bool:
    return line.startswith("#") and HEADER.match(line) is None


def _read_block(lines: list[Line], *, default_id: str, first_line_of: dict[str, int]) -> Conversation:
    block = _Block(first_line=lines[0][0])
    for line_no, line in lines:
        _read_line(block, line_no, line)
    conversation_id = block.id or default_id
    if conversation_id in first_line_of:
        raise _BadLine(
            block.first_line,
            f"duplicate conversation id {conversation_id!r}",
            expected="ids that are unique within the file",
            found=f"the id already used by the conversation on line {first_line_of[conversation_id]}",
        )
    turns = tuple(_turn(message) for message in block.messages)
    try:
        require_both_roles(conversation_id, turns)
    except RecordError as error:
        raise _BadLine(
            block.first_line, error.message, expected=error.expected or "", found=error.found or ""
        ) from None
    return Conversation(id=conversation_id, turns=turns, intent=block.intent, line=block.first_line)


def _read_line(block: _Block, line_no: int, line: str) -> None:
    if line.startswith("#"):
        _read_comment(block, line)
    elif line[0] in " \t":
        _continue_message(block, line_no, line)
    else:
        block.messages.append(_start_message(line_no, line))


def _read_comment(block: _Block, line: str) -> None:
    header = HEADER.match(line)
    if header is None:
        return
    value = normalise_text(header["value"]) or None
    if header["key"].lower() == "id":
        block.id = value
    else:
        block.intent = value


def _continue_message(block: _Block, line_no: int, line: str) -> None:
    if not block.messages:
        raise _BadLine(
            line_no,
            "continuation line with no message before it",
            expected="an indented line only after a 'Speaker: text' line",
            found=shorten(line),
        )
    block.messages[-1].lines.append(line)


def _start_message(line_no: int, line: str) -> _Message:
    match = MESSAGE.match(line)
    if match is None:
        raise _BadLine(line_no, "not a message line", expected=LINE_SHAPE, found=shorten(line))
    role = parse_role(match["speaker"])
    if role is None:
        raise _BadLine(
            line_no,
            f"unknown speaker {match['speaker'].strip()!r}",
            expected=f"a speaker among {ACCEPTED_ROLES}",
            found=shorten(line),
        )
    return _Message(role=role, line=line_no, lines=[match["text"]])


def _turn(message: _Message) -> Turn:
    text = normalise_text("\n".join(message.lines))
    if not text:
        raise _BadLine(
            message.line,
            f"empty {message.role} message",
            expected="text after 'Speaker:' or on indented lines below it",
            found="no text",
        )
    return Turn(role=message.role, text=text, line=message.line)
