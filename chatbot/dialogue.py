"""Per-conversation dialogue state: slots collected so far, what the bot is waiting for, fallbacks in a row.

The state lives in the database (table `chat_state`) so it survives a model swap or a restart, and it
expires: a conversation idle for longer than `state_ttl_seconds` starts afresh.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from chatbot.types import Choice


@dataclass(frozen=True, slots=True)
class DialogueState:
    slots: dict[str, str] = field(default_factory=dict)
    pending_intent: str | None = None  # waiting for a slot of this intent's template
    pending_slot: str | None = None
    choices: tuple[Choice, ...] = ()  # offered by the last clarifying question
    fallbacks_in_a_row: int = 0
    handed_off: bool = False

    def with_slots(self, found: dict[str, str]) -> DialogueState:
        return replace(self, slots={**self.slots, **found}) if found else self

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> DialogueState:
        raw: dict[str, Any] = json.loads(text)
        raw["choices"] = tuple(Choice(**choice) for choice in raw.get("choices", ()))
        return cls(**raw)
