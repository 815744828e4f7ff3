from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from syncline.connectors.salesforce.client.csvarrow import read_csv, write_csv


def test_quoted_empty_is_text_and_bare_empty_is_null() -> None:
    table = read_csv(b'"Id","Name","Note"\n"001","",\n"002","NA","null"\n')
    assert table.column("Name").to_pylist() == ["", "NA"]
    assert table.column("Note").to_pylist() == [None, "null"]


def test_values_may_span_lines_and_lines_may_end_in_crlf() -> None:
    table = read_csv(b'"Id","Description"\r\n"001","two\nlines"\r\n')
    assert table.column("Description").to_pylist() == ["two\nlines"]


def test_an_empty_body_is_an_empty_table_and_a_header_alone_has_columns() -> None:
    assert read_csv(b"").num_columns == 0
    header_only = read_csv(b'"Id","Name"\n')
    assert (header_only.num_rows, header_only.column_names) == (0, ["Id", "Name"])


def test_another_delimiter_is_honoured() -> None:
    assert read_csv(b"Id|Name\n1|a,b\n", delimiter="|").column("Name").to_pylist() == ["a,b"]


def test_uploads_write_salesforce_datetimes_and_empty_nulls() -> None:
    table = pa.table(
        {
            "Name": ["A", None],
            "When": pa.array([datetime(2024, 1, 15, 10, 30, tzinfo=UTC), None], pa.timestamp("us", tz="UTC")),
            "Ok": [True, False],
        }
    )
    assert write_csv(table).decode().splitlines() == [
        '"Name","When","Ok"',
        '"A","2024-01-15T10:30:00.000Z",true',
        ",,false",
    ]
    assert write_csv(table, line_ending="CRLF").count(b"\r\n") == 3
