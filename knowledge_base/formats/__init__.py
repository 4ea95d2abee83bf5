"""Input formats for support data: the registry, format detection and `parse_text`.

Every format module exposes `parse(text, *, source, strict) -> ParsedFile`; its docstring documents the
format with an example:

- `jsonl` (`knowledge_base.formats.jsonl`): our canonical transcripts, one JSON conversation per line.
- `csv_qa` (`knowledge_base.formats.csv_qa`): question/answer pairs in CSV or TSV (e.g. Bitext).
- `csv_labelled` (`knowledge_base.formats.csv_labelled`): utterances labelled with intents (e.g. BANKING77).
- `plaintext` (`knowledge_base.formats.plaintext`): chat logs of `Customer: ...` / `Agent: ...` lines.
- `abcd` (`knowledge_base.formats.abcd`): the ABCD dataset's JSON list of conversations.
- `star` (`knowledge_base.formats.star`): one STAR dialogue per JSON file; `star.read_directory` reads the
  corpus directory.

`text` is decoded UTF-8 without BOM; `source` is the file name used in messages; line numbers are 1-based
physical lines. Whole-file problems always raise `InputError`; a bad record raises in strict mode and is
skipped and reported as a `ParseIssue` in lenient mode.

Detection (`detect_format`), in this order:

1. `.jsonl`/`.ndjson` name, or a first non-blank line that is a JSON object with `"turns"` -> `jsonl`.
2. `.json` name or text starting with `[`/`{`, parsed as one JSON document: a list whose first element is
   an object with `"original"` -> `abcd`; an object with `"Events"` -> `star`.
3. A first non-blank line that is a comma/tab/semicolon-separated header naming a question and an answer
   column -> `csv_qa`; else one naming a text and an intent column -> `csv_labelled`.
4. A first line (after `#` comments) that is `Speaker: text` with a known speaker -> `plaintext`.

Otherwise `InputError` lists the formats and shows the first line; `--format` then chooses one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import PurePath

from knowledge_base.errors import InputError
from knowledge_base.formats import abcd, csv_labelled, csv_qa, csvutil, jsonl, plaintext, star
from knowledge_base.formats.base import shorten, split_lines
from knowledge_base.roles import parse_role
from knowledge_base.types import ParsedFile

__all__ = ["FORMATS", "FORMAT_DESCRIPTIONS", "detect_format", "parse_text"]

FORMATS: dict[str, Callable[..., ParsedFile]] = {
    "jsonl": jsonl.parse,
    "csv_qa": csv_qa.parse,
    "csv_labelled": csv_labelled.parse,
    "plaintext": plaintext.parse,
    "abcd": abcd.parse,
    "star": star.parse,
}

FORMAT_DESCRIPTIONS: dict[str, str] = {
    "jsonl": 'one JSON conversation per line, {"id": ..., "turns": [{"role": ..., "text": ...}]}',
    "csv_qa": "CSV/TSV with a header naming question and answer columns",
    "csv_labelled": "CSV/TSV with a header naming text and intent columns",
    "plaintext": "chat logs of 'Customer: ...' / 'Agent: ...' lines, conversations split by blank lines",
    "abcd": "the ABCD dataset's JSON list of conversations",
    "star": "one STAR dataset dialogue (JSON object with Events)",
}

JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})


def parse_text(text: str, *, source: str, format: str | None, strict: bool) -> ParsedFile:
    """Parse a decoded file in `format`, detected from the content and `source` name when None."""
    name = detect_format(text, source) if format is None else format
    parser = FORMATS.get(name)
    if parser is None:
        raise InputError(
            "unknown format",
            source=source,
            expected=f"one of {', '.join(FORMATS)}",
            found=repr(name),
        )
    return parser(text, source=source, strict=strict)


def detect_format(text: str, filename: str) -> str:
    """The format name for a file, from its content and extension (rules in the module docstring)."""
    suffix = PurePath(filename).suffix.lower()
    first = csvutil.first_content_line(text)
    if first is None:
        raise InputError("the file is empty", source=filename, expected=_accepted(), found="no non-blank line")
    line_no, line = first
    if suffix in JSONL_SUFFIXES or _is_jsonl_record(line):
        return "jsonl"
    detected = _json_document_format(text, suffix) or _csv_format(line_no, line, filename) or _chat_format(text)
    if detected is None:
        raise InputError(
            f"cannot tell the file's format; if it is one of ours, pass --format {{{','.join(FORMATS)}}}",
            source=filename,
            line=line_no,
            expected=_accepted(),
            found=f"a first line {shorten(line)}",
        )
    return detected


def _accepted() -> str:
    return "one of the formats: " + "; ".join(f"{name}: {text}" for name, text in FORMAT_DESCRIPTIONS.items())


def _is_jsonl_record(line: str) -> bool:
    if not line.lstrip().startswith("{"):
        return False
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        return False
    return isinstance(value, dict) and "turns" in value


def _json_document_format(text: str, suffix: str) -> str | None:
    if suffix != ".json" and not text.lstrip().startswith(("[", "{")):
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    if isinstance(value, list) and value and isinstance(value[0], dict) and "original" in value[0]:
        return "abcd"
    if isinstance(value, dict) and "Events" in value:
        return "star"
    return None


def _csv_format(line_no: int, line: str, filename: str) -> str | None:
    for name, module in (("csv_qa", csv_qa), ("csv_labelled", csv_labelled)):
        header = csvutil.sniff_header(line_no, line, module.COLUMNS, filename)
        if all(field in header.columns for field in module.REQUIRED):
            return name
    return None


def _chat_format(text: str) -> str | None:
    for line in split_lines(text):
        if not line.strip() or line.startswith("#"):
            continue
        match = plaintext.MESSAGE.match(line)
        return "plaintext" if match is not None and parse_role(match["speaker"]) is not None else None
    return None
