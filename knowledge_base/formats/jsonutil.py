"""Small helpers shared by the JSON-based formats (jsonl, abcd, star): type names and field checks."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from knowledge_base.errors import InputError
from knowledge_base.formats.base import RecordError, shorten

_MISSING = object()


def json_type(value: object) -> str:
    """The JSON name of a decoded value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def describe(value: object) -> str:
    """`found` text for a decoded JSON value: its type and a snippet."""
    if value is _MISSING:
        return "nothing (the key is missing)"
    snippet = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return f"{json_type(value)} {shorten(snippet)}"


def field(record: Mapping[str, Any], key: str) -> object:
    """The value under `key`, or a marker that `describe` reports as a missing key."""
    return record.get(key, _MISSING)


def is_absent(value: object) -> bool:
    """True for a missing key (see `field`) and for null."""
    return value is _MISSING or value is None


def require_object(value: object, *, what: str, expected: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RecordError(f"{what} is not a JSON object", expected=expected, found=describe(value))
    return value


def identifier(value: object, *, what: str, expected: str) -> str:
    """A non-empty string id; integer ids (common in exports) are converted to strings."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise RecordError(f"{what} has no usable id", expected=expected, found=describe(value))


def optional_string(value: object, *, what: str, expected: str) -> str | None:
    """A string or nothing: a missing key, null and "" all mean no value."""
    if is_absent(value):
        return None
    if not isinstance(value, str):
        raise RecordError(f"{what} is not a string", expected=expected, found=describe(value))
    return value.strip() or None


def load_document(text: str, *, source: str, expected: str) -> object:
    """Decode a whole-file JSON document; a syntax error is a problem of the whole file."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            "the file is not valid JSON",
            source=source,
            line=error.lineno,
            expected=expected,
            found=f"{error.msg} at line {error.lineno}, column {error.colno}",
        ) from None
