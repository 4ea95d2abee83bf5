"""Values of the runtime: what retrieval found and what the assistant replied, with why."""

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
    alternatives: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why the assistant said what it said; logged with every turn."""

    rule: str
    model_version: str
    hits: tuple[Hit, ...] = ()
    intent: IntentPrediction | None = None
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    kind: ReplyKind
    explanation: Explanation


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """One logged customer turn and the assistant's reply."""

    turn_id: int
    session_id: str
    reply: Reply
