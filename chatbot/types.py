"""Values of the runtime: what the models found, what the assistant replied, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ReplyKind(StrEnum):
    TEMPLATE = "template"
    RETRIEVAL = "retrieval"
    CLARIFY = "clarify"
    HANDOFF = "handoff"
    FALLBACK = "fallback"


@dataclass(frozen=True, slots=True)
class Hit:
    qa_id: int
    score: float


@dataclass(frozen=True, slots=True)
class IntentPrediction:
    label: str
    confidence: float
    alternatives: tuple[tuple[str, float], ...] = ()  # the next best intents, best first

    @property
    def margin(self) -> float:
        return self.confidence - (self.alternatives[0][1] if self.alternatives else 0.0)


@dataclass(frozen=True, slots=True)
class Choice:
    """A quick reply offered by a clarifying question: an intent, or a retrieved QA pair."""

    label: str
    intent: str | None = None
    qa_id: int | None = None


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why the assistant said what it said; logged with every turn."""

    rule: str
    model_version: str
    hits: tuple[Hit, ...] = ()
    intent: IntentPrediction | None = None
    slots: dict[str, str] = field(default_factory=dict)
    answer_qa_id: int | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    kind: ReplyKind
    explanation: Explanation
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """One logged customer turn and the assistant's reply."""

    turn_id: int
    session_id: str
    reply: Reply
