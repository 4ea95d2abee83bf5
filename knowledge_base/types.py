"""Values that cross package boundaries. Frozen dataclasses, defined once."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"


@dataclass(frozen=True, slots=True)
class Turn:
    role: Role
    text: str
    intent: str | None = None
    line: int | None = None  # where in the source file the turn started (for messages), not stored


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    turns: tuple[Turn, ...]
    intent: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    line: int | None = None  # first line of the conversation in the source file


@dataclass(frozen=True, slots=True)
class QAPair:
    question: str
    answer: str
    intent: str | None = None
    count: int = 1
    conversation_id: str | None = None  # the conversation's id in its source file
    id: int | None = None  # set once stored
    dataset_id: int | None = None


@dataclass(frozen=True, slots=True)
class LabelledUtterance:
    text: str
    intent: str
    conversation_id: str | None = None


@dataclass(frozen=True, slots=True)
class ParseIssue:
    """A record that was skipped (lenient mode) or a warning about the file."""

    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """What a format parser read from one file, before mining and masking."""

    format: str
    conversations: tuple[Conversation, ...] = ()
    qa_pairs: tuple[QAPair, ...] = ()
    utterances: tuple[LabelledUtterance, ...] = ()
    issues: tuple[ParseIssue, ...] = ()


@dataclass(frozen=True, slots=True)
class DatasetVersion:
    id: int
    name: str
    source_file: str
    sha256: str
    format: str
    uploaded_by: str
    created_at: str
    status: str  # "active" | "retired"
    n_conversations: int
    n_turns: int
    n_qa_pairs: int
    n_utterances: int
    warnings: tuple[str, ...] = ()
    retired_at: str | None = None
    pii_masked: bool = True

    @property
    def active(self) -> bool:
        return self.status == "active"
