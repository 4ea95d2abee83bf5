"""The runtime's view of the error tree (defined once in `knowledge_base.errors`)."""

from __future__ import annotations

from knowledge_base.errors import (
    ChatbotError,
    ConfigError,
    DuplicateUploadError,
    InputError,
    ModelNotFoundError,
    StoreError,
)


class UnknownSessionError(InputError):
    """A request named a chat session id that does not exist."""

    def __init__(self, session_id: str) -> None:
        super().__init__("unknown chat session; start a new conversation", expected="a session id", found=session_id)


class UnknownTurnError(InputError):
    """Feedback named a turn id that does not exist."""


__all__ = [
    "ChatbotError",
    "ConfigError",
    "DuplicateUploadError",
    "InputError",
    "ModelNotFoundError",
    "StoreError",
    "UnknownSessionError",
    "UnknownTurnError",
]
