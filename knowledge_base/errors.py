"""One error tree for the whole product.

Library code raises these; only the edges (CLI, API, UI) turn them into messages for people.
`chatbot.errors` re-exports this tree and adds runtime errors to it.
"""

from __future__ import annotations


class ChatbotError(Exception):
    """Base of every error the product raises on purpose."""


class ConfigError(ChatbotError):
    """A setting has a bad value; the message names the setting, its source and what is allowed."""


class InputError(ChatbotError):
    """Something a user sent (file, form field, request) is not what we accept.

    The message always says where (file and line when there is one), what was expected and what was found.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        expected: str | None = None,
        found: str | None = None,
    ) -> None:
        self.source = source
        self.line = line
        self.expected = expected
        self.found = found
        self.reason = message
        super().__init__(format_location(source, line) + message + _expected_found(expected, found))


class DuplicateUploadError(InputError):
    """The exact same file (by content hash) was already ingested as an active dataset version."""


class StoreError(ChatbotError):
    """The knowledge base cannot do what was asked (unknown dataset version, retired twice, ...)."""


class ModelNotFoundError(ChatbotError):
    """A model or its weights are missing; the message says which package or path would provide them."""


def format_location(source: str | None, line: int | None) -> str:
    if source is None:
        return ""
    if line is None:
        return f"{source}: "
    return f"{source}:{line}: "


def _expected_found(expected: str | None, found: str | None) -> str:
    parts = []
    if expected is not None:
        parts.append(f"expected {expected}")
    if found is not None:
        parts.append(f"found {found}")
    return f" ({', '.join(parts)})" if parts else ""
