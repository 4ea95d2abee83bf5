"""STAR (Schema-Guided Dialog Dataset, Rasa) dialogues (`star`): one JSON object per dialogue file.

    {"DialogueID": 1000, "CompletionLevel": "Complete",
     "Scenario": {"Happy": false, "MultiTask": false, "WizardCapabilities": [{"Task": "bank_fraud_report"}]},
     "Events": [{"Agent": "User", "Action": "utter", "Text": "Somebody took $500 from my account."},
                {"Agent": "Wizard", "Action": "request_suggestions", "Text": "name"},
                {"Agent": "Wizard", "Action": "pick_suggestion", "ActionLabel": "ask_name",
                 "Text": "Could I get your full name, please?"}]}

- The corpus keeps one dialogue per file (`dialogues/<DialogueID>.json`); `read_directory(path, strict=...)`
  reads every `*.json` of a directory, in file-name order, into one `ParsedFile`. `parse` reads one file.
- `DialogueID` becomes the conversation id. `utter` and `pick_suggestion` events of the `User` (customer)
  and the `Wizard` (agent) with non-empty `Text` become turns; everything else (`UserGuide` instructions,
  suggestion requests, knowledge-base queries and results) is dropped.
- The intent is the task the wizard serves, `Scenario.WizardCapabilities[0].Task` (e.g.
  `bank_fraud_report`); multi-task dialogues (`Scenario.MultiTask` true) get no intent.
  `metadata` is `{"completion": CompletionLevel, "happy": Scenario.Happy}`.
- A dialogue that ended before both sides spoke (55 of the 519 bank dialogues disconnected early) has
  nothing to learn from: it is skipped with a warning in both modes, not treated as an error.
- A file that is not a STAR dialogue (not JSON, no `Events` list, ...) is a bad record of the directory
  (strict: error; lenient: skipped and reported). Messages name the file as `<directory name>/<file name>`;
  line numbers only appear for JSON syntax errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from knowledge_base.errors import InputError
from knowledge_base.formats.base import (
    IssueCollector,
    RecordError,
    normalise_text,
    require_both_roles,
    require_records,
)
from knowledge_base.formats.jsonutil import describe, field, identifier, load_document, require_object
from knowledge_base.types import Conversation, ParsedFile, ParseIssue, Role, Turn

NAME = "star"
DIALOGUE_SHAPE = 'a STAR dialogue object {"DialogueID": ..., "Scenario": {...}, "Events": [...]}'
ROLES = {"User": Role.CUSTOMER, "Wizard": Role.AGENT}
TURN_ACTIONS = frozenset({"utter", "pick_suggestion"})


class _NothingSaid(RecordError):
    """The dialogue is well formed but has no customer turn or no agent turn."""


class _BadJson(RecordError):
    """A dialogue file of a directory that is not valid JSON; keeps the line of the syntax error."""

    def __init__(self, error: InputError) -> None:
        super().__init__(error.reason, expected=error.expected, found=error.found)
        self.line = error.line


def parse(text: str, *, source: str, strict: bool) -> ParsedFile:
    """One STAR dialogue file."""
    data = load_document(text, source=source, expected=DIALOGUE_SHAPE)
    collector = IssueCollector(source=source, strict=strict)
    conversation = _collect(data, collector)
    conversations = () if conversation is None else (conversation,)
    require_records(len(conversations), collector, what="conversation", expected=DIALOGUE_SHAPE, found="no dialogue")
    return ParsedFile(format=NAME, conversations=conversations, issues=tuple(collector.issues))


def read_directory(path: Path, *, strict: bool) -> ParsedFile:
    """Every `*.json` dialogue of a directory (the layout of the STAR corpus), in file-name order."""
    files = _dialogue_files(path)
    conversations: list[Conversation] = []
    issues: list[ParseIssue] = []
    seen: dict[str, Path] = {}
    for file in files:
        collector = IssueCollector(source=f"{path.name}/{file.name}", strict=strict)
        conversation = _read_file(file, collector, seen)
        if conversation is not None:
            seen[conversation.id] = file
            conversations.append(conversation)
        issues.extend(collector.issues)
    summary = IssueCollector(source=str(path), strict=strict, issues=issues)
    require_records(len(conversations), summary, what="conversations", expected=DIALOGUE_SHAPE, found="no dialogue")
    return ParsedFile(format=NAME, conversations=tuple(conversations), issues=tuple(issues))


def _dialogue_files(path: Path) -> list[Path]:
    if not path.is_dir():
        raise InputError("not a directory", source=str(path), expected="a directory of STAR dialogue files")
    files = sorted(file for file in path.glob("*.json") if file.is_file())
    if not files:
        raise InputError("no dialogue files", source=str(path), expected="*.json files", found="none")
    return files


def _read_file(file: Path, collector: IssueCollector, seen: dict[str, Path]) -> Conversation | None:
    try:
        data = _load_file(file)
    except RecordError as error:
        collector.reject(error, line=error.line if isinstance(error, _BadJson) else None)
        return None
    conversation = _collect(data, collector)
    if conversation is not None and conversation.id in seen:
        collector.bad_record(
            f"duplicate DialogueID {conversation.id!r}",
            line=None,
            expected="DialogueID values unique within the directory",
            found=f"the id of {seen[conversation.id].name}",
        )
        return None
    return conversation


def _load_file(file: Path) -> object:
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RecordError(
            "the file is not UTF-8 text",
            expected="UTF-8",
            found=f"byte {error.object[error.start]:#04x} at offset {error.start}",
        ) from None
    try:
        return load_document(text, source=file.name, expected=DIALOGUE_SHAPE)
    except InputError as error:
        raise _BadJson(error) from None


def _collect(data: object, collector: IssueCollector) -> Conversation | None:
    """The dialogue, or None after reporting why it was skipped."""
    try:
        return read_dialogue(data)
    except _NothingSaid as error:
        collector.warn(f"skipped: {error.message} ({error.found})")
    except RecordError as error:
        collector.reject(error, line=None)
    return None


def read_dialogue(data: object) -> Conversation:
    """A decoded dialogue object as a conversation; raises `RecordError` when it is not one."""
    record = require_object(data, what="the dialogue", expected=DIALOGUE_SHAPE)
    conversation_id = identifier(
        field(record, "DialogueID"), what="the dialogue", expected='"DialogueID": an integer or a string'
    )
    where = f"dialogue {conversation_id}"
    scenario = require_object(field(record, "Scenario"), what=f"{where}: Scenario", expected="an object")
    turns = _read_turns(field(record, "Events"), where)
    try:
        require_both_roles(conversation_id, turns)
    except RecordError as error:
        completion = record.get("CompletionLevel")
        raise _NothingSaid(f"{where} ended before both sides spoke", found=f"{completion}: {error.found}") from None
    return Conversation(
        id=conversation_id,
        turns=turns,
        intent=_task(scenario),
        metadata={"completion": record.get("CompletionLevel"), "happy": bool(scenario.get("Happy"))},
    )


def _task(scenario: dict[str, Any]) -> str | None:
    capabilities = scenario.get("WizardCapabilities")
    if scenario.get("MultiTask") or not isinstance(capabilities, list) or not capabilities:
        return None
    first = capabilities[0]
    task = first.get("Task") if isinstance(first, dict) else None
    if not isinstance(task, str):
        return None
    return task.strip() or None


def _read_turns(value: object, where: str) -> tuple[Turn, ...]:
    if not isinstance(value, list):
        raise RecordError(f"{where}: no Events", expected='"Events": a list of event objects', found=describe(value))
    turns = (_read_event(event, f"{where}, event {index}") for index, event in enumerate(value))
    return tuple(turn for turn in turns if turn is not None)


def _read_event(value: object, where: str) -> Turn | None:
    event = require_object(value, what=where, expected='an event {"Agent": ..., "Action": ..., "Text": ...}')
    agent = event.get("Agent")
    role = ROLES.get(agent) if isinstance(agent, str) else None
    text = event.get("Text")
    if role is None or event.get("Action") not in TURN_ACTIONS or not isinstance(text, str):
        return None
    text = normalise_text(text)
    return Turn(role=role, text=text) if text else None
