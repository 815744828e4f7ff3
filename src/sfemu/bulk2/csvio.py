"""Bulk CSV in both directions: the job's delimiter and line ending, RFC 4180 quoting.

Ingest uploads are read with `read_upload`; result files are written with `quoted` (every value in quotes,
as Salesforce writes `sf__` columns and query results) and `minimal` (quotes only where needed, as
the original columns are echoed back in ingest results).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
NULL = "#N/A"  # a cell that sets its field to null; an empty cell leaves the field alone


class CsvError(Exception):
    """The upload is not CSV the job can read; the message is the job's `errorMessage`."""


def read_upload(path: Path, delimiter: str) -> Iterator[list[str]]:
    """The rows of an uploaded file, header first, as lists of text (a UTF-8 BOM is ignored)."""
    # Large fields are legal (32,000 characters per field, more for long text areas).
    csv.field_size_limit(1 << 27)
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream, delimiter=delimiter, strict=True)
        try:
            yield from reader
        except csv.Error as exc:
            message = f"ClientInputError : Unable to parse the CSV at line {reader.line_num}: {exc}"
            raise CsvError(message) from None
        except UnicodeDecodeError:
            raise CsvError("ClientInputError : The uploaded data is not valid UTF-8") from None


def read_text(text: str, delimiter: str = ",") -> list[list[str]]:
    """Parse CSV held in memory (a Bulk 1.0 batch body)."""
    csv.field_size_limit(1 << 27)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise CsvError(f"ClientInputError : Unable to parse the CSV: {exc}") from None


def quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def minimal(value: str, delimiter: str) -> str:
    """Quote `value` only if it holds the delimiter, a quote or a line break."""
    if delimiter in value or '"' in value or "\n" in value or "\r" in value:
        return quote(value)
    return value


def quoted_line(values: Sequence[str | None], delimiter: str, line_ending: str) -> str:
    """Every value quoted; None is an empty, unquoted field (null)."""
    return delimiter.join("" if v is None else quote(v) for v in values) + line_ending


def minimal_line(values: Sequence[str], delimiter: str, line_ending: str) -> str:
    return delimiter.join(minimal(v, delimiter) for v in values) + line_ending
