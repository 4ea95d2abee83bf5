"""Question/answer pairs (`csv_qa`): a CSV or TSV file with a header line.

    question,answer,intent
    How do I reset my password?,"Click ""Forgot password"" on the sign-in page.",password_reset
    "Can I pay by card?","Yes, we take Visa and Mastercard.",payment_methods

- Required columns: the question (header `question`, `q`, `query`, `instruction`, `customer` or
  `utterance_question`) and the answer (`answer`, `a`, `response`, `reply` or `agent`).
- Optional column: the intent (`intent`, `label` or `category_intent`). Other columns are ignored, so the
  public Bitext customer-support CSV (`instruction`, `intent`, `response`, ...) loads as it is.
- Column names are matched case-insensitively, in any order. The delimiter (comma, tab or semicolon) is
  read from the header line. Quoted fields may span several lines; a record's line number is the line
  where it starts.
- A record with an empty question or answer, or with a different number of fields than the header, is a
  bad record (strict: error; lenient: skipped and reported). A file without the required columns or
  without any record is rejected as a whole.
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge_base.formats import csvutil
from knowledge_base.types import ParsedFile, QAPair

NAME = "csv_qa"
COLUMNS: csvutil.ColumnSpec = {
    "question": ("question", "q", "query", "instruction", "customer", "utterance_question"),
    "answer": ("answer", "a", "response", "reply", "agent"),
    "intent": ("intent", "label", "category_intent"),
}
REQUIRED = ("question", "answer")


def parse(text: str, *, source: str, strict: bool) -> ParsedFile:
    pairs, collector = csvutil.read_records(
        text,
        source=source,
        strict=strict,
        spec=COLUMNS,
        required=REQUIRED,
        read=_read_pair,
        what="question/answer records",
    )
    return ParsedFile(format=NAME, qa_pairs=tuple(pairs), issues=tuple(collector.issues))


def _read_pair(row: Sequence[str], header: csvutil.Header) -> QAPair:
    question = csvutil.required_cell(row, header, "question")
    answer = csvutil.required_cell(row, header, "answer")
    intent = csvutil.optional_cell(row, header, "intent")
    return QAPair(question=question, answer=answer, intent=intent)
