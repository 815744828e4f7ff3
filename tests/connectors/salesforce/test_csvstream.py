"""Bulk CSV parsed from a byte stream: one table whatever the chunking, nulls as Salesforce writes them."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest

from syncline.connectors.salesforce.client.csvarrow import read_csv
from syncline.connectors.salesforce.client.csvstream import stream_csv

BODY = (
    '"Id","Name","Description","AnnualRevenue"\n'
    '"001A","Comma, Inc.","line one\nline two","1500.5"\n'
    '"001B",,"","2"\n'
    '"001C","Ünïcødé 日本","say ""hi""",\n'
).encode()


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[start : start + size] for start in range(0, len(data), size)]


@pytest.mark.parametrize("size", [1, 2, 5, 17, 64, 10_000])
def test_any_chunking_gives_the_table_a_whole_body_gives(size: int) -> None:
    streamed = pa.Table.from_batches(list(stream_csv(chunked(BODY, size), block_size=96)))
    assert streamed == read_csv(BODY)
    assert streamed.column("Name").to_pylist() == ["Comma, Inc.", None, "Ünïcødé 日本"]  # bare empty: null
    assert streamed.column("Description").to_pylist() == ["line one\nline two", "", 'say "hi"']  # "": empty


def test_small_blocks_give_several_batches_of_one_schema() -> None:
    schema = pa.schema([("AnnualRevenue", pa.float64())])
    batches = list(stream_csv(chunked(BODY, 7), block_size=64, schema=schema))
    assert len(batches) > 1
    assert {batch.schema for batch in batches} == {batches[0].schema}
    assert pa.Table.from_batches(batches).column("AnnualRevenue").to_pylist() == [1500.5, 2.0, None]


@pytest.mark.parametrize("body", [b"", b"\n", b'"Id","Name"\n'])
def test_an_empty_result_yields_no_batch(body: bytes) -> None:
    assert list(stream_csv([body])) == []


def test_a_broken_stream_raises_its_own_error() -> None:
    def broken() -> Iterator[bytes]:
        yield BODY[:60]
        raise ConnectionResetError("peer went away")

    with pytest.raises(ConnectionResetError, match="peer went away"):
        list(stream_csv(broken(), block_size=64))
