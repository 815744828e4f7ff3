"""The four connector protocols. Arrow record batches are the only currency between them.

A connection type implements some of them; `ConnectionType` names which, as factories that bind a
validated configuration and a `ConnectorContext` to an object implementing the protocol::

    POSTGRESQL = ConnectionType(..., model_source=PostgresModelSource)   # a class is a factory too

- **ModelSource** — describe a table or a query; stream its rows as bounded `pyarrow.RecordBatch`es.
- **BulkSource** — discover schemas; read one schema from a cursor, return the next cursor; report deletes.
- **BulkDestination** — prepare a table for a schema, load batches, commit data and cursor atomically.
- **SyncTarget** — list target objects and their fields, validate a mapping, write planned changes and
  answer one result per record.

Connectors raise the errors of `syncline.connectors.errors` (each carries a `category`); retries,
checkpoints, budgets and job state belong to the engine and runtime, never to a connector.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa

from syncline.connectors.discovery import Schema, SourceCapabilities
from syncline.connectors.errors import FieldError

__all__ = [
    "DEFAULT_BATCH_ROWS",
    "RESULT_SCHEMA",
    "BulkDestination",
    "BulkMode",
    "BulkSource",
    "Cursor",
    "DescribedField",
    "Description",
    "ModelSource",
    "Outcome",
    "Relation",
    "SchemaRead",
    "SyncMode",
    "SyncTarget",
    "TargetField",
    "TargetObject",
]

DEFAULT_BATCH_ROWS = 10_000
"""Rows per batch unless the caller asks otherwise: big enough to amortise, small enough to stay flat."""

Cursor = dict[str, Any]
"""Where an incremental read stopped, as JSON-able data the connector alone interprets."""


# --- ModelSource -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    """What a model reads: a table (a Salesforce object, `schema.table`) or a query (SQL, SOQL)."""

    table: str | None = None
    query: str | None = None

    def __post_init__(self) -> None:
        if (self.table is None) == (self.query is None):
            msg = "a Relation is either a table or a query"
            raise ValueError(msg)

    @classmethod
    def of_query(cls, text: str) -> Relation:
        return cls(query=text)

    @classmethod
    def of_table(cls, name: str) -> Relation:
        return cls(table=name)


@dataclass(frozen=True)
class DescribedField:
    """One column of a model: its name, Arrow type, and the upstream's own type name."""

    name: str
    type: pa.DataType
    nullable: bool = True
    remote_type: str = ""


@dataclass(frozen=True)
class Description:
    """The fields of a table or query, in order, and its primary key when the upstream knows one."""

    fields: tuple[DescribedField, ...]
    primary_key: tuple[str, ...] = ()

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(f.name, f.type, nullable=f.nullable) for f in self.fields])


@runtime_checkable
class ModelSource(Protocol):
    """Rows of a table or query. Implement `describe` and `stream`; the engine does the rest.

    `stream` yields batches of at most `batch_rows` rows whose schema is `describe(...).arrow_schema()`
    (same names, order and types), so memory stays flat for any result size: fetch from the upstream
    lazily (a server-side cursor, a paged API), never the whole result first. A refused query raises
    `QueryFailed`; an unreachable upstream `Retriable`; a used-up budget `LimitReached`.
    """

    def describe(self, relation: Relation) -> Description:
        """The fields (with Arrow types) and primary key of a table or query, without reading its rows."""
        ...

    def stream(self, relation: Relation, *, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        """The rows, as batches of at most `batch_rows` rows, typed as `describe` says."""
        ...


# --- BulkSource --------------------------------------------------------------------------------------


class SchemaRead(Protocol):
    """One schema's rows since a cursor: iterate the batches, then ask `cursor` where to start next time.
    `arrow_schema` is known before the first batch (the destination table is prepared from it)."""

    arrow_schema: pa.Schema

    def __iter__(self) -> Iterator[pa.RecordBatch]: ...

    @property
    def cursor(self) -> Cursor | None:
        """The cursor after the last batch; valid once iteration ended (None: read everything next time)."""
        ...


@runtime_checkable
class BulkSource(Protocol):
    """Every object of an app or database, read incrementally.

    `discover` lists schemas with their fields (Arrow-mappable types, primary keys, and in
    `SchemaField.is_primary_key`); a schema that can be read incrementally says so through its tracking
    field. `read` returns the rows changed since `cursor` (all rows when None) in bounded batches and,
    once exhausted, the next cursor. `deletes` yields batches with one column, the primary key, of rows
    deleted since `cursor`. The engine commits batches and cursor together through a `BulkDestination`.
    """

    capabilities: SourceCapabilities

    def discover(self, *, include_fields: bool) -> list[Schema]: ...

    def read(
        self, schema: Schema, cursor: Cursor | None, *, batch_rows: int = DEFAULT_BATCH_ROWS
    ) -> SchemaRead: ...

    def deletes(self, schema: Schema, cursor: Cursor) -> Iterator[pa.RecordBatch]: ...

    def keys(self, schema: Schema) -> Iterator[pa.RecordBatch]:
        """The primary key of every row that exists now (deleted ones excluded where the upstream keeps
        them), for a reconciliation that catches deletes `deletes` cannot see."""
        ...


# --- BulkDestination ---------------------------------------------------------------------------------


class BulkMode(StrEnum):
    """How a bulk sync writes a schema's rows (Polytomic's modes).

    - `snapshot`: each run replaces the table with the rows it read ("Replace all records").
    - `replicate`: rows are merged on the primary key (updated or inserted); deleted rows are removed.
    - `append`: every row read is added; nothing is updated or removed (a history of changes).
    """

    SNAPSHOT = "snapshot"
    REPLICATE = "replicate"
    APPEND = "append"


@runtime_checkable
class BulkDestination(Protocol):
    """A database, warehouse or bucket that receives bulk syncs.

    Call order per schema and run: `prepare` once (create the table, or evolve it: add new columns,
    widen types; never drop data), `load` any number of batches and `delete` any number of key batches
    (staged, invisible to readers), then `commit` once, which makes the staged changes and the new cursor
    visible together — after a crash either both are there or neither is — or `abort`, which drops them.
    `cursor` answers the last committed cursor, so a run resumes where the last commit left off. Different
    tables may be prepared, loaded and committed from different threads at once; one table from one thread.
    `close` releases what the destination holds (uncommitted tables are aborted).
    """

    def prepare(
        self, table: str, schema: pa.Schema, primary_key: Sequence[str], *, mode: BulkMode
    ) -> None: ...

    def load(self, table: str, batch: pa.RecordBatch) -> None: ...

    def delete(self, table: str, keys: pa.RecordBatch) -> None:
        """Stage the removal of the rows whose primary key is in `keys` (its columns: the primary key).
        A key also loaded in the same run keeps the loaded row: what was read wins over what was deleted
        (a soft-deleted record re-read with `IsDeleted` true stays, an undeleted one comes back)."""
        ...

    def retain(self, table: str, keys: pa.RecordBatch) -> None:
        """Stage keys of rows that still exist upstream (a reconciliation: every key, over any number of
        calls). At commit, rows whose key was neither retained nor loaded in this run are removed."""
        ...

    def commit(self, table: str, cursor: Cursor | None) -> None: ...

    def abort(self, table: str) -> None: ...

    def cursor(self, table: str) -> Cursor | None: ...

    def close(self) -> None: ...


# --- SyncTarget --------------------------------------------------------------------------------------


class SyncMode(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UPSERT = "upsert"
    DELETE = "delete"


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    ERRORED = "errored"


@dataclass(frozen=True)
class TargetField:
    """A field of a target object and what a sync may do with it."""

    id: str
    name: str
    type: pa.DataType
    createable: bool = True
    updateable: bool = True
    nillable: bool = True
    external_id: bool = False
    lookup_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class TargetObject:
    """An object (table, sObject) a model sync can write, with the modes it supports."""

    id: str
    name: str
    fields: tuple[TargetField, ...]
    modes: frozenset[SyncMode] = field(default_factory=lambda: frozenset(SyncMode))


RESULT_SCHEMA = pa.schema(
    [
        pa.field("identity", pa.string(), nullable=False),
        pa.field("target_id", pa.string()),
        pa.field("outcome", pa.string(), nullable=False),
        pa.field("error_code", pa.string()),
        pa.field("error_message", pa.string()),
    ]
)
"""What `SyncTarget.write` answers: one row per input row, in input order; `outcome` is an `Outcome`."""


@runtime_checkable
class SyncTarget(Protocol):
    """An app or database that model syncs write into.

    `write` gets one batch of planned changes for one object and mode: a column per mapped target
    field plus `identity` (the model's key for the row). It answers a `RESULT_SCHEMA` batch with one
    row per input row — a refused record is an `errored` row with the upstream's code and message,
    never an exception; only a failure of the whole batch raises.
    """

    def objects(self) -> list[TargetObject]: ...

    def validate(self, object_id: str, mode: SyncMode, mapping: Mapping[str, str]) -> list[FieldError]: ...

    def write(self, object_id: str, mode: SyncMode, changes: pa.RecordBatch) -> pa.RecordBatch: ...


# Factories the connection type names: (validated configuration, ConnectorContext) -> implementation.
ModelSourceFactory = Callable[[Any, Any], ModelSource]
BulkSourceFactory = Callable[[Any, Any], BulkSource]
BulkDestinationFactory = Callable[[Any, Any, Mapping[str, Any]], BulkDestination]
"""(connection config, context, the bulk sync's `destination_configuration`) → a destination."""
SyncTargetFactory = Callable[[Any, Any], SyncTarget]


def rebatch(batches: Iterable[pa.RecordBatch], batch_rows: int) -> Iterator[pa.RecordBatch]:
    """Batches of at most `batch_rows` rows from batches of any size (zero-copy slices)."""
    for batch in batches:
        for start in range(0, batch.num_rows, batch_rows):
            yield batch.slice(start, batch_rows)
