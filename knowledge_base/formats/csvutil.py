"""CSV/TSV machinery shared by `csv_qa` and `csv_labelled`: delimiter sniffing, header mapping, rows.

The header is the first non-blank line. The delimiter is whichever of `,` TAB `;` splits that line into
the most recognised column names (then the most columns); a `.tsv` file name only breaks ties. Column
names are matched case-insensitively after stripping, against each field's synonyms in order; columns
that match nothing are ignored.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from knowledge_base.errors import InputError
from knowledge_base.formats.base import (
    IssueCollector,
    RecordError,
    normalise_text,
    require_records,
    shorten,
    split_lines,
)

T = TypeVar("T")

DELIMITERS = (",", "\t", ";")
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon"}

# field name -> accepted column names, most preferred first
ColumnSpec = Mapping[str, Sequence[str]]


@dataclass(frozen=True, slots=True)
class Header:
    line: int
    text: str
    delimiter: str
    names: tuple[str, ...]
    columns: dict[str, int]  # field name -> column index

    def cell(self, row: Sequence[str], field: str) -> str | None:
        """The raw value of `field` in `row`, or None when the header has no such column."""
        index = self.columns.get(field)
        return None if index is None else row[index]

    def column_name(self, field: str) -> str:
        return self.names[self.columns[field]].strip()


def first_content_line(text: str) -> tuple[int, str] | None:
    """(line number, line) of the first non-blank line, or None for a blank file."""
    for line_no, line in enumerate(split_lines(text), start=1):
        if line.strip():
            return line_no, line
    return None


def split_header(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def map_columns(names: Sequence[str], spec: ColumnSpec) -> dict[str, int]:
    """Field name -> index of the first column named by one of its synonyms (in synonym order)."""
    normalised = [name.strip().lower() for name in names]
    columns: dict[str, int] = {}
    for field, synonyms in spec.items():
        for synonym in synonyms:
            if synonym in normalised:
                columns[field] = normalised.index(synonym)
                break
    return columns


def sniff_header(line_no: int, line: str, spec: ColumnSpec, filename: str) -> Header:
    """The header read with the delimiter that recognises the most columns (see the module docstring)."""
    preferred = "\t" if filename.lower().endswith(".tsv") else ","
    candidates = []
    for delimiter in DELIMITERS:
        names = tuple(split_header(line, delimiter))
        columns = map_columns(names, spec)
        score = (len(columns), len(names), delimiter == preferred)
        candidates.append((score, Header(line_no, line, delimiter, names, columns)))
    return max(candidates, key=lambda candidate: candidate[0])[1]


def describe_columns(spec: ColumnSpec, fields: Sequence[str]) -> str:
    return " and ".join(f"{field} (named {' / '.join(spec[field])})" for field in fields)


def read_header(text: str, spec: ColumnSpec, required: Sequence[str], *, source: str) -> Header:
    """The file's header; a blank file or a missing required column raises `InputError` (whole file)."""
    expected = f"a header line naming the columns {describe_columns(spec, required)}"
    first = first_content_line(text)
    if first is None:
        raise InputError("the file is empty", source=source, expected=expected, found="no non-blank line")
    header = sniff_header(*first, spec, source)
    missing = [field for field in required if field not in header.columns]
    if missing:
        raise InputError(
            f"the header has no {' or '.join(missing)} column",
            source=source,
            line=header.line,
            expected=expected,
            found=f"header {shorten(header.text)} read as {DELIMITER_NAMES[header.delimiter]}-separated",
        )
    return header


def iter_rows(text: str, header: Header, collector: IssueCollector) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, fields) for each non-blank record after the header.

    A record whose quoting is broken or whose field count differs from the header's is a bad record."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=header.delimiter, strict=True)
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            collector.reject(_malformed(error, start, reader.line_num), line=start)
            continue
        if start <= header.line or not any(cell.strip() for cell in row):
            continue
        try:
            yield start, _check_width(row, header)
        except RecordError as error:
            collector.reject(error, line=start)


def read_records(
    text: str,
    *,
    source: str,
    strict: bool,
    spec: ColumnSpec,
    required: Sequence[str],
    read: Callable[[Sequence[str], Header], T],
    what: str,
) -> tuple[list[T], IssueCollector]:
    """Every record of a CSV/TSV file read by `read` (bad ones rejected through the collector); a file with
    none is an error."""
    collector = IssueCollector(source=source, strict=strict)
    header = read_header(text, spec, required, source=source)
    records: list[T] = []
    for line_no, row in iter_rows(text, header, collector):
        try:
            records.append(read(row, header))
        except RecordError as error:
            collector.reject(error, line=line_no)
    require_records(
        len(records),
        collector,
        what=what,
        expected="at least one record after the header",
        found=f"only the header on line {header.line}",
    )
    return records, collector


def required_cell(row: Sequence[str], header: Header, field: str) -> str:
    """The normalised value of a required column; an empty one raises `RecordError`."""
    value = normalise_text(header.cell(row, field) or "")
    if not value:
        column = header.column_name(field)
        raise RecordError(
            f"empty {field}", expected=f"a non-empty {field} in column {column!r}", found="an empty field"
        )
    return value


def optional_cell(row: Sequence[str], header: Header, field: str) -> str | None:
    """The normalised value of an optional column; None when the column is absent or the cell empty."""
    return normalise_text(header.cell(row, field) or "") or None


def _malformed(error: csv.Error, start: int, end: int) -> RecordError:
    if "unexpected end of data" in str(error):
        return RecordError(
            "unterminated quoted field",
            expected=f"a closing quote for the field opened in the record starting on line {start}",
            found=f"the end of the file at line {end}",
        )
    return RecordError("malformed CSV record", expected="CSV quoting (quote a whole field)", found=str(error))


def _check_width(row: list[str], header: Header) -> list[str]:
    width = len(header.names)
    extra = row[width:]
    if len(row) < width or any(cell.strip() for cell in extra):
        raise RecordError(
            f"wrong number of fields ({DELIMITER_NAMES[header.delimiter]}-separated)",
            expected=f"{width} fields as in the header on line {header.line}",
            found=f"{len(row)} fields: {shorten(header.delimiter.join(row))}",
        )
    return row[:width]
