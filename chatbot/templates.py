"""Answer templates: a TOML file per company, validated on load.

    [intents.order_status]
    title = "Where is my order?"          # optional: the label on a clarifying button
    variants = [                           # one or more phrasings; placeholders are slot names
        "Orders leave our warehouse within 1 working day.",
        "Your order {order_id} is on its way.",
    ]
    always_human = false                   # optional: true hands these conversations to staff

    [slots.order_id]                       # optional: replace a built-in slot pattern (see chatbot.slots)
    pattern = "NW-?\\d{6}"

A reply uses the most specific variant whose placeholders are all known (from this message or earlier
turns); when every variant needs a slot that is missing, the bot asks for it. Validation names the file
and line of an unknown intent (when the known intents are given), an unknown placeholder, a table
without variants, or a bad slot pattern.
"""

from __future__ import annotations

import random
import re
import string
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from chatbot.errors import InputError
from chatbot.slots import DEFAULT_PATTERNS, SlotFiller

_FORMATTER = string.Formatter()

SLOT_QUESTIONS: dict[str, str] = {
    "order_id": "Could you give me your order number? It starts with two letters, like NW-123456.",
    "email": "Which email address is on your account?",
    "date": "Which date is this about?",
    "amount": "What amount is this about?",
}


@dataclass(frozen=True, slots=True)
class Template:
    intent: str
    variants: tuple[str, ...]
    title: str
    always_human: bool = False
    placeholders: tuple[frozenset[str], ...] = ()  # per variant

    def fill(self, slots: Mapping[str, str], rng: random.Random) -> str | None:
        """A variant using as many known slots as possible, all of its placeholders filled; None if none fits."""
        usable = [
            (len(names), variant)
            for variant, names in zip(self.variants, self.placeholders, strict=True)
            if names <= slots.keys()
        ]
        if not usable:
            return None
        most = max(n for n, _ in usable)
        variant = rng.choice([v for n, v in usable if n == most])
        return variant.format(**slots)

    def missing_slot(self, slots: Mapping[str, str]) -> str | None:
        """The slot to ask for: the first one missing from the variant that needs the fewest missing slots."""
        options = sorted((sorted(names - slots.keys()) for names in self.placeholders), key=len)
        return options[0][0] if options and options[0] else None


@dataclass(frozen=True, slots=True)
class TemplateSet:
    templates: dict[str, Template] = field(default_factory=dict)
    slot_patterns: dict[str, str] = field(default_factory=dict)
    source: str = "(none)"

    def get(self, intent: str | None) -> Template | None:
        return self.templates.get(intent) if intent else None

    def title(self, intent: str) -> str:
        template = self.templates.get(intent)
        return template.title if template else intent.replace("_", " ").capitalize()

    def slot_filler(self) -> SlotFiller:
        return SlotFiller(self.slot_patterns)


def load_templates(path: Path, *, known_intents: Collection[str] | None = None) -> TemplateSet:
    """Read and validate a templates file. `known_intents`: refuse intents the models do not know."""
    source = str(path)
    try:
        raw_text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("templates file not found", source=source) from None
    except UnicodeDecodeError:
        raise InputError("templates file is not UTF-8 text", source=source, expected="UTF-8") from None
    try:
        data = tomllib.loads(raw_text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"not valid TOML: {error}", source=source) from None
    lines = raw_text.splitlines()
    unknown_tables = sorted(set(data) - {"intents", "slots"})
    if unknown_tables:
        raise InputError(
            f"unknown table [{unknown_tables[0]}]",
            source=source,
            line=_line_of(lines, f"[{unknown_tables[0]}"),
            expected="[intents.<name>] and [slots.<name>] tables",
        )
    patterns = _read_slot_patterns(data.get("slots", {}), source, lines)
    slot_names = set(DEFAULT_PATTERNS) | set(patterns)
    templates = {
        intent: _read_template(intent, table, source, lines, slot_names, known_intents)
        for intent, table in data.get("intents", {}).items()
    }
    return TemplateSet(templates=templates, slot_patterns=patterns, source=source)


def _read_slot_patterns(slots: object, source: str, lines: list[str]) -> dict[str, str]:
    if not isinstance(slots, dict):
        raise InputError("[slots] must be a table of tables", source=source, line=_line_of(lines, "[slots"))
    patterns = {}
    for name, table in slots.items():
        line = _line_of(lines, f"[slots.{name}]")
        pattern = table.get("pattern") if isinstance(table, dict) else None
        if not isinstance(pattern, str):
            raise InputError(f"slot {name!r} needs a pattern string", source=source, line=line)
        try:
            re.compile(pattern)
        except re.error as error:
            raise InputError(f"slot {name!r} has a bad regular expression: {error}", source=source, line=line) from None
        patterns[name] = pattern
    return patterns


def _read_template(
    intent: str,
    table: object,
    source: str,
    lines: list[str],
    slot_names: set[str],
    known_intents: Collection[str] | None,
) -> Template:
    line = _line_of(lines, f"[intents.{intent}]")
    if known_intents is not None and intent not in known_intents:
        raise InputError(
            f"template for unknown intent {intent!r}",
            source=source,
            line=line,
            expected=f"one of the model's intents ({', '.join(sorted(known_intents)[:8])}, ...)",
            found=repr(intent),
        )
    if not isinstance(table, dict):
        raise InputError(f"[intents.{intent}] must be a table", source=source, line=line)
    extra = sorted(set(table) - {"variants", "title", "always_human"})
    if extra:
        raise InputError(
            f"unknown key {extra[0]!r} in [intents.{intent}]",
            source=source,
            line=_line_of(lines, extra[0], start=line),
            expected="variants, title, always_human",
        )
    variants = table.get("variants")
    if not isinstance(variants, list) or not variants or not all(isinstance(v, str) and v.strip() for v in variants):
        raise InputError(
            f"[intents.{intent}] needs variants: a non-empty list of non-empty strings",
            source=source,
            line=line,
            found=repr(variants)[:60],
        )
    placeholders = []
    for variant in variants:
        try:
            names = frozenset(name for _, name, _, _ in _FORMATTER.parse(variant) if name is not None)
        except ValueError as error:
            raise InputError(
                f"bad placeholder syntax in a variant of {intent!r}: {error} (write {{{{ and }}}} for braces)",
                source=source,
                line=_line_of(lines, variant[:30], start=line),
            ) from None
        unknown = sorted(names - slot_names)
        if unknown:
            raise InputError(
                f"unknown placeholder {{{unknown[0]}}} in a variant of {intent!r}",
                source=source,
                line=_line_of(lines, "{" + unknown[0] + "}", start=line),
                expected=f"one of {', '.join('{' + n + '}' for n in sorted(slot_names))}",
                found="{" + unknown[0] + "}",
            )
        placeholders.append(names)
    always_human = table.get("always_human", False)
    if not isinstance(always_human, bool):
        raise InputError(f"always_human of {intent!r} must be true or false", source=source, line=line)
    title = table.get("title") or intent.replace("_", " ").capitalize()
    return Template(intent, tuple(variants), str(title), always_human, tuple(placeholders))


def _line_of(lines: list[str], needle: str, *, start: int | None = None) -> int | None:
    """1-based number of the first line at or after `start` containing `needle`."""
    begin = (start or 1) - 1
    for number, text in enumerate(lines[begin:], start=begin + 1):
        if needle in text:
            return number
    return start
