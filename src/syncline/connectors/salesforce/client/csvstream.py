"""Bulk CSV arriving as a byte stream → Arrow record batches, a block at a time.

`pyarrow.csv.open_csv` reads from a file-like wrapper of the byte iterator, so nothing waits for the whole
body. Its I/O thread reads ahead of the parser by a bounded queue of blocks (while the network outpaces
parsing, that queue fills), so memory is bounded by a few dozen blocks, never by the page: keep blocks small.
Column types are fixed up front from the header (strings unless the caller's schema types them), so a type
never flips between blocks or pages.
The null conventions are those of `csvarrow.read_csv`: a bare empty field is null, `""` is the empty string.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Generator, Iterable, Iterator

import pyarrow as pa
import pyarrow.csv as pacsv

from syncline.connectors.salesforce.client.csvarrow import convert_options

__all__ = ["DEFAULT_BLOCK_SIZE", "ByteStream", "stream_csv"]

# Bytes of CSV per record batch (~9k rows of a typical Account query). 4 MiB blocks held ~40 MiB more at
# peak on a 1M-row page (read-ahead) and were no faster (docs/benchmarks.md).
DEFAULT_BLOCK_SIZE = 1 << 20


class ByteStream(io.RawIOBase):
    """A read-only file over an iterator of byte chunks (e.g. `httpx.Response.iter_bytes()`)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        # Fill the buffer whole: pyarrow takes a short read for a short block, and network chunks are small.
        filled = 0
        while filled < len(buffer):
            if not self._pending:
                chunk = next(self._chunks, None)
                if chunk is None:
                    break
                self._pending = memoryview(chunk)
            size = min(len(buffer) - filled, len(self._pending))
            buffer[filled : filled + size] = self._pending[:size]
            self._pending = self._pending[size:]
            filled += size
        return filled


def stream_csv(
    chunks: Iterable[bytes],
    *,
    delimiter: str = ",",
    schema: pa.Schema | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> Generator[pa.RecordBatch, None, None]:
    """Yield the record batches of a Bulk CSV body as its bytes arrive. An empty body yields nothing.

    Errors of the underlying iterator (a dropped connection) propagate unchanged.
    """
    header, rest = _split_header(iter(chunks))
    if not header.strip():
        return
    names = next(csv.reader([header.decode("utf-8-sig").rstrip("\r\n")], delimiter=delimiter))
    types: dict[str, pa.DataType] = dict.fromkeys(names, pa.string())
    if schema is not None:
        types.update({field.name: field.type for field in schema if field.name in types})
    reader = pacsv.open_csv(
        ByteStream(itertools.chain([header], rest)),
        # One thread: the blocks arrive at network speed anyway, and a read-ahead thread would hold more.
        read_options=pacsv.ReadOptions(block_size=block_size, use_threads=False),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        convert_options=convert_options(types),
    )
    try:
        yield from reader
    finally:
        reader.close()


def _split_header(chunks: Iterator[bytes]) -> tuple[bytes, Iterator[bytes]]:
    """The header line (through its line feed; field names never hold one) and an iterator of the rest."""
    seen = bytearray()
    for chunk in chunks:
        end = chunk.find(b"\n")
        if end >= 0:
            seen += chunk[: end + 1]
            return bytes(seen), itertools.chain([chunk[end + 1 :]], chunks)
        seen += chunk
    return bytes(seen), iter(())
