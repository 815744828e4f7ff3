"""Salesforce as a BulkSource: every object, read incrementally on its modification stamp.

A read of an object asks for every non-compound field (compound address and location fields arrive as
their component fields) with `queryAll`, so soft-deleted rows come through with `IsDeleted = true`. It
runs as a Bulk API 2.0 query, or over REST where Bulk cannot serve the object (Tooling objects, objects
Bulk refuses).

Incremental reads are bounded on both sides, the upper bound fixed when the read starts:
`since - LOOKBACK < SystemModstamp <= upper`. The next cursor is `upper`, never the largest stamp seen, so
rows stamped during the read are read next time; the lookback re-reads rows that became visible late
(stamped before a transaction committed). Re-read rows are merged on Id by the destination, so nothing
is missed and nothing is duplicated. Objects without a modification stamp are read whole each time.

Hard deletes (rows gone from the recycle bin) come from `getDeleted` between the two bounds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from syncline.connectors.base import ConnectorContext
from syncline.connectors.discovery import Schema, SchemaNotFound
from syncline.connectors.protocols import DEFAULT_BATCH_ROWS, Cursor, rebatch
from syncline.connectors.salesforce.client import SalesforceClient
from syncline.connectors.salesforce.config import SalesforceConfig
from syncline.connectors.salesforce.discovery import CAPABILITIES, TOOLING_PREFIX, discover
from syncline.connectors.salesforce.errors import BulkNotSupported, InvalidType, NotFound
from syncline.connectors.salesforce.session import client_for
from syncline.connectors.salesforce.source import object_description, rest_batches

__all__ = ["LOOKBACK", "TRACKING_FIELDS", "SalesforceBulkSource"]

LOOKBACK = dt.timedelta(minutes=5)
"""How far before the last cursor an incremental read starts again: rows that became visible late."""
TRACKING_FIELDS = ("SystemModstamp", "LastModifiedDate", "CreatedDate")
"""The first of these an object has is its modification stamp."""


def _soql_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class _ObjectRead:
    """One object's rows since a cursor (`SchemaRead`). Built by describing the object (one call), so
    `arrow_schema` is known before the rows; iterate, then `cursor` says where the next read starts."""

    def __init__(self, source: SalesforceBulkSource, schema: Schema, cursor: Cursor | None, batch_rows: int):
        self._source = source
        self._tooling = schema.id.startswith(TOOLING_PREFIX)
        self._name = schema.id.removeprefix(TOOLING_PREFIX)
        self._since = cursor.get("since") if cursor else None
        self._batch_rows = batch_rows
        self._next: Cursor | None = None
        with client_for(source.config, source.ctx) as client:
            try:
                described = (
                    client.tooling.describe(self._name) if self._tooling else client.rest.describe(self._name)
                )
            except (InvalidType, NotFound):
                raise SchemaNotFound(schema.id) from None
        description = object_description(described)
        wanted = {f.id for f in schema.fields} if schema.fields is not None else None
        fields = [f for f in description.fields if wanted is None or f.name in wanted or f.name == "Id"]
        self.arrow_schema = pa.schema([pa.field(f.name, f.type) for f in fields])
        self.tracking = next((t for t in TRACKING_FIELDS if t in {f.name for f in description.fields}), None)

    @property
    def cursor(self) -> Cursor | None:
        return self._next

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        names = list(self.arrow_schema.names)
        upper = dt.datetime.now(dt.UTC)
        soql = f"SELECT {', '.join(names)} FROM {self._name}"
        if self.tracking is not None:
            soql += f" WHERE {self.tracking} <= {_soql_time(upper)}"
            if self._since:
                lower = dt.datetime.fromisoformat(self._since) - LOOKBACK
                soql += f" AND {self.tracking} > {_soql_time(lower)}"
        with client_for(self._source.config, self._source.ctx) as client:
            yield from rebatch(self._rows(client, soql, names), self._batch_rows)
        self._next = (
            {"field": self.tracking, "since": upper.isoformat()} if self.tracking is not None else None
        )

    def _rows(self, client: SalesforceClient, soql: str, names: list[str]) -> Iterator[pa.RecordBatch]:
        if not self._tooling:
            try:
                for batch in client.bulk2.query(soql, include_deleted=True, schema=self.arrow_schema):
                    yield batch.select(names) if batch.num_columns else batch
                return
            except BulkNotSupported:
                pass  # e.g. an object Bulk does not support: the same query over REST
        if self._tooling:
            pages = client.tooling.query_pages(soql)
        else:
            pages = client.rest.query_pages(soql, include_deleted=True)
        yield from rest_batches(pages, self.arrow_schema, names, self._batch_rows)


class SalesforceBulkSource:
    """`BulkSource` over one Salesforce connection."""

    capabilities = CAPABILITIES

    def __init__(self, config: SalesforceConfig, ctx: ConnectorContext) -> None:
        self.config = config
        self.ctx = ctx

    def discover(self, *, include_fields: bool) -> list[Schema]:
        return discover(self.config, self.ctx, include_fields=include_fields)

    def read(
        self, schema: Schema, cursor: Cursor | None, *, batch_rows: int = DEFAULT_BATCH_ROWS
    ) -> _ObjectRead:
        return _ObjectRead(self, schema, cursor, batch_rows)

    def keys(self, schema: Schema) -> Iterator[pa.RecordBatch]:
        """Every Id of the object, soft-deleted rows included (the destination keeps those, marked), by
        one Bulk query (REST for Tooling objects and objects Bulk refuses)."""
        read = _ObjectRead(self, Schema(schema.id, schema.name, ()), None, DEFAULT_BATCH_ROWS)
        read.tracking = None  # every row, whatever its stamp
        yield from read

    def deletes(self, schema: Schema, cursor: Cursor) -> Iterator[pa.RecordBatch]:
        """Ids removed for good since the cursor (`getDeleted`), as one-column batches."""
        if schema.id.startswith(TOOLING_PREFIX) or not cursor.get("since"):
            return
        start = dt.datetime.fromisoformat(cursor["since"]) - LOOKBACK
        end = dt.datetime.now(dt.UTC)
        with client_for(self.config, self.ctx) as client:
            answer: dict[str, Any] = client.http.json(
                "GET",
                client.http.data_path(f"sobjects/{schema.id}/deleted/"),
                params={"start": _soql_time(start), "end": _soql_time(end)},
            )
        ids = [record["id"] for record in answer.get("deletedRecords") or ()]
        if ids:
            yield pa.record_batch([pa.array(ids, pa.string())], names=["Id"])
