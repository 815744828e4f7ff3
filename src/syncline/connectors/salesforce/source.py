"""Salesforce as a ModelSource: an object or a SOQL query, over REST `query`, as Arrow batches.

- An object (`Relation.of_table("Account")`) is described from Salesforce's describe, typed exactly, and
  read with every field but compound ones (address, location), whose parts are fields of their own.
- A SOQL query is named from its select list (`Account.Name`, aliases, `expr0`); relationship values are
  flattened to dotted columns. Types come from the first page (columns that are all null there are text),
  and later pages are cast to them, so every batch has the same schema.

Calls go through the connection's shared tokens and API budget from the context.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa

from syncline.connectors.base import ConnectorContext
from syncline.connectors.errors import AuthorizationRequired
from syncline.connectors.protocols import DEFAULT_BATCH_ROWS, DescribedField, Description, Relation
from syncline.connectors.salesforce.check import needs_authorization
from syncline.connectors.salesforce.client import QueryPage, SalesforceClient
from syncline.connectors.salesforce.config import SalesforceConfig
from syncline.connectors.salesforce.session import client_for
from syncline.connectors.salesforce.soql import select_columns
from syncline.connectors.values import json_safe

__all__ = ["SalesforceModelSource", "arrow_type", "object_description", "rest_batches"]

_ARROW: dict[str, pa.DataType] = {
    "boolean": pa.bool_(),
    "int": pa.int64(),
    "long": pa.int64(),
    "double": pa.float64(),
    "currency": pa.float64(),
    "percent": pa.float64(),
    "date": pa.date32(),
    "datetime": pa.timestamp("ms", tz="UTC"),
}
_COMPOUND = frozenset({"address", "location"})


def arrow_type(salesforce_type: str) -> pa.DataType:
    """The Arrow type of a Salesforce field type; everything else (ids, picklists, text) is a string."""
    return _ARROW.get(salesforce_type, pa.string())


class SalesforceModelSource:
    """A ModelSource over one Salesforce connection."""

    def __init__(self, config: SalesforceConfig, ctx: ConnectorContext) -> None:
        if needs_authorization(config) and ctx.credentials is None:
            raise AuthorizationRequired("the connection is not authorized yet: open its auth_url first")
        self.config = config
        self.ctx = ctx

    def describe(self, relation: Relation) -> Description:
        if relation.table is not None:
            with self._client() as client:
                return object_description(client.rest.describe(relation.table))
        assert relation.query is not None
        first = next(self.stream(relation, batch_rows=DEFAULT_BATCH_ROWS), None)
        schema = first.schema if first is not None else _text_schema(select_columns(relation.query) or [])
        return Description(fields=tuple(DescribedField(f.name, f.type) for f in schema))

    def stream(self, relation: Relation, *, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        with self._client() as client:
            if relation.table is not None:
                description = object_description(client.rest.describe(relation.table))
                names = [f.name for f in description.fields]
                soql = f"SELECT {', '.join(names)} FROM {relation.table}"
                yield from _batches(client, soql, description.arrow_schema(), names, batch_rows)
                return
            assert relation.query is not None
            yield from _batches(client, relation.query, None, select_columns(relation.query), batch_rows)

    def _client(self) -> SalesforceClient:
        return client_for(self.config, self.ctx)


def object_description(described: dict[str, Any]) -> Description:
    fields = tuple(
        DescribedField(
            name=raw["name"],
            type=arrow_type(str(raw.get("type") or "")),
            nullable=bool(raw.get("nillable", True)) or raw["name"] != "Id",
            remote_type=str(raw.get("type") or ""),
        )
        for raw in described.get("fields") or ()
        if raw.get("type") not in _COMPOUND
    )
    return Description(fields=fields, primary_key=("Id",))


def _batches(
    client: SalesforceClient,
    soql: str,
    schema: pa.Schema | None,
    columns: list[str] | None,
    batch_rows: int,
) -> Iterator[pa.RecordBatch]:
    return rest_batches(client.rest.query_pages(soql), schema, columns, batch_rows)


def rest_batches(
    pages: Iterable[QueryPage], schema: pa.Schema | None, columns: list[str] | None, batch_rows: int
) -> Iterator[pa.RecordBatch]:
    """REST query pages as batches of `batch_rows` rows, typed by `schema` (else by the first batch)."""
    pending: list[dict[str, Any]] = []
    total = 0
    for page in pages:
        total = page.total_size
        for record in page.records:
            pending.append(_flatten(record))
            if len(pending) == batch_rows:
                batch = _typed(pending, schema, columns)
                schema = schema or batch.schema
                yield batch
                pending = []
    if pending:
        yield _typed(pending, schema, columns)
    elif schema is None and total and columns == ["count"]:  # SELECT COUNT() answers with totalSize alone
        yield pa.RecordBatch.from_pydict({"count": [total]})


def _typed(rows: list[dict[str, Any]], schema: pa.Schema | None, columns: list[str] | None) -> pa.RecordBatch:
    """Rows as a batch with the stream's schema (the first batch decides it when there is none)."""
    names = (
        list(schema.names) if schema is not None else _canonical(columns, rows) if columns else _names(rows)
    )
    lowered = {name.lower(): name for name in names}
    values: dict[str, list[Any]] = {name: [] for name in names}
    for row in rows:
        seen = {lowered[key.lower()]: value for key, value in row.items() if key.lower() in lowered}
        for name in names:
            values[name].append(seen.get(name))
    if schema is None:
        arrays = [_inferred(values[name]) for name in names]
        return pa.RecordBatch.from_arrays(arrays, names=names)
    return pa.RecordBatch.from_arrays([_cast(values[f.name], f.type) for f in schema], schema=schema)


def _inferred(values: list[Any]) -> pa.Array:
    try:
        array = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        array = pa.array([None if v is None else str(v) for v in values], pa.string())
    if pa.types.is_null(array.type) or pa.types.is_struct(array.type) or pa.types.is_list(array.type):
        return pa.array([None if v is None else str(json_safe(v)) for v in values], pa.string())
    return array


def _cast(values: list[Any], arrow: pa.DataType) -> pa.Array:
    if pa.types.is_timestamp(arrow) or pa.types.is_date(arrow):  # ISO 8601 text, offsets included
        return pa.array(values, pa.string()).cast(arrow)
    if pa.types.is_string(arrow):
        return pa.array([None if v is None else v if isinstance(v, str) else str(v) for v in values], arrow)
    try:
        return pa.array(values, arrow)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values]).cast(arrow, safe=False)


def _canonical(columns: list[str], rows: list[dict[str, Any]]) -> list[str]:
    """The select list's names as Salesforce spells them (`select name` answers `Name`), where it says."""
    spelled = {key.lower(): key for row in rows for key in row}
    return [spelled.get(column.lower(), column) for column in columns]


def _text_schema(columns: list[str]) -> pa.Schema:
    return pa.schema([pa.field(name, pa.string()) for name in columns])


def _names(rows: list[dict[str, Any]]) -> list[str]:
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return list(names)


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if key == "attributes":
            continue
        name = f"{prefix}{key}"
        if isinstance(value, dict) and "attributes" in value:
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat
