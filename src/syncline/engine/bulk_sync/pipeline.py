"""One schema of a bulk sync: extract → load → commit, with extract and load overlapped.

A reader thread pulls record batches from the source into a bounded queue while the calling thread
shapes them (`Shape`: selected fields, obfuscated fields, output names) and loads them into the
destination, so the slower side sets the pace and memory holds at most `queue_batches` batches plus the
two in hand. Deleted keys are staged after the rows. The destination then commits rows, deletes and the
source's next cursor together; on any failure, a stop request or a test run's limit being reached the
table is aborted instead (a test run commits what it read, without a cursor). No per-row Python: batches
pass through Arrow compute only.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from syncline.connectors.protocols import BulkDestination, BulkMode, Cursor

__all__ = ["SchemaCopy", "SchemaOutcome", "Shape", "Stopped", "copy_schema"]

TEST_RECORDS = 5
"""A test execution writes at most this many records per schema (Polytomic's rule)."""
QUEUE_BATCHES = 4
_DONE = object()


class Stopped(Exception):
    """The run was asked to stop (cancel, shutdown, budget); the table keeps its last commit."""


@dataclass(frozen=True)
class Shape:
    """What of each source batch reaches the destination, and under which names.

    Attributes:
        fields: The source fields to keep, in order (None: every field the batches carry).
        obfuscated: Fields whose values are replaced by a one-way digest (same input, same output).
        output_names: Destination column name by source field name (default: the same name).
    """

    fields: tuple[str, ...] | None = None
    obfuscated: frozenset[str] = frozenset()
    output_names: dict[str, str] = field(default_factory=dict)

    def schema(self, source: pa.Schema) -> pa.Schema:
        names = self.fields if self.fields is not None else tuple(source.names)
        return pa.schema(
            [
                pa.field(
                    self.output_names.get(name, name),
                    pa.string() if name in self.obfuscated else source.field(name).type,
                )
                for name in names
            ]
        )

    def apply(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        names = self.fields if self.fields is not None else tuple(batch.schema.names)
        columns = [
            _obfuscated(batch.column(name)) if name in self.obfuscated else batch.column(name)
            for name in names
        ]
        return pa.RecordBatch.from_arrays(columns, names=[self.output_names.get(n, n) for n in names])


@dataclass(frozen=True)
class SchemaCopy:
    """Everything `copy_schema` needs to know about one schema's run."""

    table: str
    source_schema: pa.Schema
    primary_key: tuple[str, ...]
    mode: BulkMode
    shape: Shape = field(default_factory=Shape)
    test: bool = False


@dataclass
class SchemaOutcome:
    records: int = 0
    deleted: int = 0
    committed: bool = False
    cursor: Cursor | None = None


def copy_schema(
    plan: SchemaCopy,
    rows: Iterable[pa.RecordBatch],
    destination: BulkDestination,
    *,
    next_cursor: Callable[[], Cursor | None],
    deletes: Callable[[], Iterable[pa.RecordBatch]] | None = None,
    existing_keys: Callable[[], Iterable[pa.RecordBatch]] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    on_batch: Callable[[int], None] = lambda _rows: None,
    queue_batches: int = QUEUE_BATCHES,
) -> SchemaOutcome:
    """Copy one schema's rows (and deleted keys) into `destination`, committing them with `next_cursor()`.

    `next_cursor` is asked once `rows` is exhausted (a `SchemaRead` knows its cursor only then).
    `existing_keys`, when given, reconciles: rows whose key the source no longer has are removed.

    Raises:
        Stopped: `should_stop()` turned true; nothing of this run is visible.
        Exception: whatever the source or destination raised; nothing of this run is visible.
    """
    outcome = SchemaOutcome()
    output_schema = plan.shape.schema(plan.source_schema)
    output_key = [plan.shape.output_names.get(k, k) for k in plan.primary_key]
    destination.prepare(plan.table, output_schema, output_key, mode=plan.mode)
    try:
        limit = TEST_RECORDS if plan.test else None
        for batch in _overlapped(rows, queue_batches, should_stop):
            if limit is not None:
                batch = batch.slice(0, limit - outcome.records)
            destination.load(plan.table, plan.shape.apply(batch))
            outcome.records += batch.num_rows
            on_batch(batch.num_rows)
            if limit is not None and outcome.records >= limit:
                break
        if deletes is not None and not plan.test:
            for keys in deletes():
                if should_stop():
                    raise Stopped
                renamed = keys.rename_columns([plan.shape.output_names.get(n, n) for n in keys.schema.names])
                destination.delete(plan.table, renamed)
                outcome.deleted += keys.num_rows
        if existing_keys is not None and not plan.test:
            for keys in existing_keys():
                if should_stop():
                    raise Stopped
                renamed = keys.rename_columns([plan.shape.output_names.get(n, n) for n in keys.schema.names])
                destination.retain(plan.table, renamed)
        outcome.cursor = None if plan.test else next_cursor()
        if should_stop():
            raise Stopped
        destination.commit(plan.table, outcome.cursor)
        outcome.committed = True
    except BaseException:
        destination.abort(plan.table)
        raise
    return outcome


def _overlapped(
    rows: Iterable[pa.RecordBatch], capacity: int, should_stop: Callable[[], bool]
) -> Iterator[pa.RecordBatch]:
    """`rows`, read ahead by a thread of its own into a queue of `capacity` batches."""
    handoff: queue.Queue[object] = queue.Queue(maxsize=capacity)
    quit_reading = threading.Event()

    def offer(item: object) -> bool:
        while not quit_reading.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for batch in rows:
                if quit_reading.is_set() or not offer(batch):
                    break
        except BaseException as exc:  # handed to the consumer, which raises it
            offer(exc)
            return
        offer(_DONE)

    reader = threading.Thread(target=read, name="bulk-extract", daemon=True)
    reader.start()
    try:
        while True:
            if should_stop():
                raise Stopped
            try:
                item = handoff.get(timeout=0.1)
            except queue.Empty:
                continue
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, pa.RecordBatch)
            yield item
    finally:
        quit_reading.set()  # a consumer that stopped early releases the reader
        reader.join(timeout=30)
        close = getattr(rows, "close", None)
        if callable(close) and not reader.is_alive():
            close()


def _obfuscated(column: pa.Array) -> pa.Array:
    """A one-way, stable stand-in for each value — its SHA-256 in hex, computed by DuckDB over the Arrow
    column (same value, same digest, so joins on an obfuscated key still work); nulls stay null."""
    text = column if pa.types.is_string(column.type) else pc.cast(column, pa.string())
    values = pa.table({"v": text})  # noqa: F841 - read by DuckDB's replacement scan
    with duckdb.connect(":memory:") as conn:
        digests = conn.sql("SELECT sha256(v) AS v FROM values").to_arrow_table()
    return digests.column("v").combine_chunks()
