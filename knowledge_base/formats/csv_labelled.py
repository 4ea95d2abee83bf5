"""Labelled utterances (`csv_labelled`): a CSV or TSV file of example customer messages and their intents.

    text,intent
    I am still waiting on my card?,card_arrival
    "How do I top up, please?",top_up

- Required columns: the text (header `text`, `utterance`, `sentence`, `query` or `example`) and the intent
  (`intent`, `label` or `category`). Other columns are ignored, so the public BANKING77 files
  (`text,category`) load as they are.
- Everything else works as in `csv_qa`: any column order, comma/tab/semicolon read from the header line,
  quoted multi-line fields, line numbers of where a record starts. An empty text or intent is a bad record.
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge_base.formats import csvutil
from knowledge_base.types import LabelledUtterance, ParsedFile

NAME = "csv_labelled"
COLUMNS: csvutil.ColumnSpec = {
    "text": ("text", "utterance", "sentence", "query", "example"),
    "intent": ("intent", "label", "category"),
}
REQUIRED = ("text", "intent")


def parse(text: str, *, source: str, strict: bool) -> ParsedFile:
    utterances, collector = csvutil.read_records(
        text,
        source=source,
        strict=strict,
        spec=COLUMNS,
        required=REQUIRED,
        read=_read_utterance,
        what="labelled utterances",
    )
    return ParsedFile(format=NAME, utterances=tuple(utterances), issues=tuple(collector.issues))


def _read_utterance(row: Sequence[str], header: csvutil.Header) -> LabelledUtterance:
    text = csvutil.required_cell(row, header, "text")
    return LabelledUtterance(text=text, intent=csvutil.required_cell(row, header, "intent"))
