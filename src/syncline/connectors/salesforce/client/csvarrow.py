"""Bulk API CSV ↔ Arrow, entirely in pyarrow (no per-row Python).

Salesforce's Bulk CSV quotes every value and writes null as an *unquoted* empty field, so `""` reads as
the empty string and a bare empty field as null; words such as `NA` or `null` stay text. Columns are
strings unless a schema names their type: typing belongs to the engine, which knows the describe.
"""

from __future__ import annotations

import csv
import io

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

__all__ = ["DELIMITERS", "read_csv", "write_csv"]

# Bulk 2.0 `columnDelimiter` names.
DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}
_EMPTY = pa.table({})


def read_csv(data: bytes, *, delimiter: str = ",", schema: pa.Schema | None = None) -> pa.Table:
    """Parse a Bulk CSV body; every column is a string unless `schema` types it. An empty body → 0 columns."""
    if not data.strip():
        return _EMPTY
    names = _header(data, delimiter)
    types: dict[str, pa.DataType] = dict.fromkeys(names, pa.string())
    if schema is not None:
        types.update({field.name: field.type for field in schema if field.name in types})
    return pacsv.read_csv(
        pa.py_buffer(data),
        read_options=pacsv.ReadOptions(use_threads=True),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        convert_options=convert_options(types),
    )


def convert_options(types: dict[str, pa.DataType]) -> pacsv.ConvertOptions:
    """Bulk CSV's conventions: an empty field is null, `""` the empty string; booleans `true`/`false`."""
    return pacsv.ConvertOptions(
        column_types=types,
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
        true_values=["true"],
        false_values=["false"],
    )


def write_csv(table: pa.Table | pa.RecordBatch, *, delimiter: str = ",", line_ending: str = "LF") -> bytes:
    """A Bulk upload body: header of field names, RFC 4180 quoting, null as an empty field.

    Timestamps are written as `2024-01-15T10:30:00.000Z`, as Salesforce expects; other types as pyarrow
    formats them (booleans `true`/`false`, dates `YYYY-MM-DD`).
    """
    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    for index, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type):
            column = table.column(index)
            if field.type.tz is not None:
                column = pc.cast(column, pa.timestamp(field.type.unit))  # wall clock in UTC
            column = pc.strftime(pc.cast(column, pa.timestamp("ms")), format="%Y-%m-%dT%H:%M:%SZ")
            table = table.set_column(index, field.name, column)
    sink = io.BytesIO()
    eol = "\r\n" if line_ending == "CRLF" else "\n"
    pacsv.write_csv(table, sink, pacsv.WriteOptions(delimiter=delimiter, quoting_style="needed", eol=eol))
    return sink.getvalue()


def _header(data: bytes, delimiter: str) -> list[str]:
    end = data.find(b"\n")
    first = (data if end < 0 else data[:end]).decode("utf-8-sig").rstrip("\r")
    return next(csv.reader([first], delimiter=delimiter))
