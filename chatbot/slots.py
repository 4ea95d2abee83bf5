"""Slot extraction: values a template can use, found in what the customer wrote, by pattern.

Built-in extractors (a company's templates file can replace a pattern under `[slots.<name>]`):

| slot | finds | example |
|---|---|---|
| `order_id` | two or three capital letters, optional dash, 5-10 digits | `NW-483920`, `nw483920` -> `NW-483920` |
| `email` | an email address | `jo@example.com` |
| `date` | `2026-03-14`, `14/03/2026`, `14 March`, `March 14`, today/tomorrow, weekdays | `next Monday` -> `Monday` |
| `amount` | a currency sign or code with a number | `£49.99`, `49.99 EUR` |

Each extractor returns the first match, normalised; no match means the slot is missing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"

DEFAULT_PATTERNS: dict[str, str] = {
    "order_id": r"(?<![\w.+-])([A-Za-z]{2,3})-?(\d{5,10})(?![\w@-])",
    "email": r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    "date": (
        rf"\b\d{{4}}-\d{{1,2}}-\d{{1,2}}\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b|"
        rf"\b\d{{1,2}}(?:st|nd|rd|th)? (?:of )?(?:{_MONTHS})\b|\b(?:{_MONTHS}) \d{{1,2}}(?:st|nd|rd|th)?\b|"
        rf"\b(?:today|tomorrow|yesterday)\b|\b(?:{_WEEKDAYS})\b"
    ),
    "amount": (
        r"[£$€]\s?\d(?:[\d,]*\d)?(?:\.\d{1,2})?|\b(?:GBP|USD|EUR)\s?\d(?:[\d,]*\d)?(?:\.\d{1,2})?|"
        r"\b\d(?:[\d,]*\d)?(?:\.\d{1,2})?\s?(?:GBP|USD|EUR|pounds|dollars|euros)\b"
    ),
}


@dataclass(frozen=True, slots=True)
class SlotExtractor:
    name: str
    pattern: re.Pattern[str]

    def extract(self, text: str) -> str | None:
        match = self.pattern.search(text)
        if match is None:
            return None
        if self.name == "order_id" and match.lastindex == 2:
            return f"{match.group(1).upper()}-{match.group(2)}"
        value = match.group(0).strip()
        return value.capitalize() if self.name == "date" and value.isalpha() else value


class SlotFiller:
    """All extractors; `extract(text)` gives every slot found in the text."""

    def __init__(self, patterns: Mapping[str, str] | None = None) -> None:
        merged = {**DEFAULT_PATTERNS, **(patterns or {})}
        self.extractors = {
            name: SlotExtractor(name, re.compile(pattern, re.IGNORECASE)) for name, pattern in merged.items()
        }

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.extractors)

    def extract(self, text: str) -> dict[str, str]:
        found = {}
        for name, extractor in self.extractors.items():
            value = extractor.extract(text)
            if value is not None:
                found[name] = value
        return found
