"""Query results materialized once, then served in pages at the cost of two seeks.

`materialize` runs the query on a read-only connection of its own (WAL lets it read while others write,
without holding the org's write lock for the seconds a million rows take) and writes:

- `<name>.csv`: the header line, then one CSV line per record, as `sfemu.soql.csv_lines` formats them;
- `<name>.idx`: the byte offset where each record starts, plus the end of the file (8 bytes each).

A page of records `start` to `start + size` is then the header plus one contiguous byte range.
"""

from __future__ import annotations

import os
import sqlite3
from array import array
from itertools import accumulate, islice
from pathlib import Path
from typing import BinaryIO

from sfemu.bulk2.csvio import LINE_ENDINGS
from sfemu.soql import CompiledQuery, csv_header, csv_lines

_OFFSET = array("Q").itemsize


def data_file(base: Path) -> Path:
    return base.with_name(base.name + ".csv")


def index_file(base: Path) -> Path:
    return base.with_name(base.name + ".idx")


def materialize(
    db_path: str,
    compiled: CompiledQuery,
    base: Path,
    *,
    column_delimiter: str = "COMMA",
    line_ending: str = "LF",
) -> int:
    """Write the query's CSV and its record index next to `base`; returns the number of records."""
    end = LINE_ENDINGS[line_ending]
    header = (csv_header(compiled, column_delimiter=column_delimiter) + end).encode()
    offsets = array("Q", [len(header)])
    partial = base.with_name(base.name + ".part")
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        with partial.open("wb") as out:
            out.write(header)
            for lines in csv_lines(conn, compiled, column_delimiter=column_delimiter):
                text = end.join(lines) + end
                data = text.encode()
                out.write(data)
                if len(data) == len(text):  # ASCII: characters are bytes
                    sizes = (len(line) + len(end) for line in lines)
                else:
                    sizes = (len(line.encode()) + len(end) for line in lines)
                offsets.extend(islice(accumulate(sizes, initial=offsets[-1]), 1, None))
    finally:
        conn.close()
    with index_file(base).open("wb") as out:
        offsets.tofile(out)
    os.replace(partial, data_file(base))
    return len(offsets) - 1


def record_count(base: Path) -> int:
    return index_file(base).stat().st_size // _OFFSET - 1


def page(base: Path, start: int, size: int) -> tuple[bytes, int]:
    """The header plus records `start` to `start + size` (fewer at the end), and how many records that is."""
    total = record_count(base)
    start = min(start, total)
    stop = min(start + size, total)
    with index_file(base).open("rb") as index:
        first = _offset(index, 0)
        begin = _offset(index, start)
        finish = _offset(index, stop)
    with data_file(base).open("rb") as data:
        header = data.read(first)
        data.seek(begin)
        return header + data.read(finish - begin), stop - start


def _offset(index: BinaryIO, position: int) -> int:
    index.seek(position * _OFFSET)
    offset = array("Q")
    offset.frombytes(index.read(_OFFSET))
    return offset[0]
