"""What every format parser shares: the record-error policy (strict raises, lenient skips and reports)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from knowledge_base.errors import InputError
from knowledge_base.types import ParseIssue, Role, Turn


@dataclass
class IssueCollector:
    """Strict mode: the first bad record raises `InputError`. Lenient mode: it is skipped and reported."""

    source: str
    strict: bool
    issues: list[ParseIssue] = field(default_factory=list)

    def bad_record(
        self, message: str, *, line: int | None, expected: str | None = None, found: str | None = None
    ) -> None:
        error = InputError(message, source=self.source, line=line, expected=expected, found=found)
        if self.strict:
            raise error
        self.issues.append(ParseIssue(self.source, line, f"skipped: {error.reason}" + _tail(error)))

    def warn(self, message: str, *, line: int | None = None) -> None:
        self.issues.append(ParseIssue(self.source, line, message))

    def reject(self, error: RecordError, *, line: int | None) -> None:
        """`bad_record` for a `RecordError` raised by a parser's record-level helper."""
        self.bad_record(error.message, line=line, expected=error.expected, found=error.found)


class RecordError(Exception):
    """One record is bad. Parsers raise it from small helpers and hand it to `IssueCollector.reject`."""

    def __init__(self, message: str, *, expected: str | None = None, found: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.found = found


def _tail(error: InputError) -> str:
    parts = []
    if error.expected is not None:
        parts.append(f"expected {error.expected}")
    if error.found is not None:
        parts.append(f"found {error.found}")
    return f" ({', '.join(parts)})" if parts else ""


def shorten(text: str, limit: int = 60) -> str:
    """A snippet of user content for an error message."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


_LINE_BREAK = re.compile(r"\r\n?")
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")


def split_lines(text: str) -> list[str]:
    """The physical lines of a file (LF, CRLF or CR endings); item 0 is line 1, as `csv` counts them."""
    return _LINE_BREAK.sub("\n", text).split("\n")


def normalise_text(text: str) -> str:
    """Whitespace-normalised record text: LF line breaks, each line stripped with runs of
    spaces/tabs collapsed to one space, leading and trailing blank lines removed."""
    lines = (_HORIZONTAL_SPACE.sub(" ", line).strip() for line in split_lines(text))
    return "\n".join(lines).strip()


def require_both_roles(conversation_id: str, turns: Sequence[Turn]) -> None:
    """Raise `RecordError` unless the turns include at least one customer and one agent turn."""
    roles = {turn.role for turn in turns}
    for role in (Role.AGENT, Role.CUSTOMER):
        if role not in roles:
            found = ", ".join(f"{sum(t.role is r for t in turns)} {r} turn(s)" for r in sorted(roles))
            raise RecordError(
                f"conversation {conversation_id!r} has no {role} turn",
                expected="at least one customer turn and one agent turn",
                found=found or "no turns",
            )


def require_records(count: int, collector: IssueCollector, *, what: str, expected: str, found: str) -> None:
    """A file that yields no usable record is a whole-file problem: raise `InputError` even when lenient.

    `found` describes the file when it had no records at all; when records were there but all were
    skipped, the message counts them and quotes the first problem instead."""
    if count:
        return
    skipped = [issue for issue in collector.issues if issue.message.startswith("skipped")]
    if skipped:
        found = f"{len(skipped)} skipped record(s), the first: {skipped[0]}"
        raise InputError(f"no usable {what}", source=collector.source, expected=expected, found=found)
    raise InputError(f"no {what}", source=collector.source, expected=expected, found=found)
