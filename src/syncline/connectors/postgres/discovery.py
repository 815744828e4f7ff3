"""PostgreSQL tables and views as bulk-sync source schemas.

Schemas are the tables, views and foreign tables of every non-system schema that the user can see in
`information_schema`, with ids `schema.table`; fields come from `information_schema.columns` in column
order, the primary key from the table's `PRIMARY KEY` constraint, associations from single-column
foreign keys. Samples are read in a read-only transaction.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import psycopg
from psycopg import sql

from syncline.connectors.base import ConnectorContext
from syncline.connectors.discovery import (
    Association,
    DiscoveryFailed,
    FieldType,
    Schema,
    SchemaField,
    SchemaNotFound,
    SourceCapabilities,
    SourceDiscovery,
)
from syncline.connectors.postgres.check import open_connection
from syncline.connectors.postgres.config import PostgresConfig
from syncline.connectors.values import json_safe

__all__ = ["DISCOVERY", "discover", "field_type", "sample"]

CAPABILITIES = SourceCapabilities(supports_namespaces=True, supports_tracking_fields=False)

# `pg_` covers pg_catalog, pg_toast and the pg_temp_N schemas; user schemas may not start with it.
_USER_SCHEMAS = "table_schema <> 'information_schema' AND left(table_schema, 3) <> 'pg_'"

_TABLES = f"""
SELECT table_schema, table_name
FROM information_schema.tables
WHERE {_USER_SCHEMAS} AND table_type IN ('BASE TABLE', 'VIEW', 'FOREIGN')
ORDER BY table_schema, table_name
"""

_COLUMNS = f"""
SELECT table_schema, table_name, column_name, data_type, udt_name
FROM information_schema.columns
WHERE {_USER_SCHEMAS}
ORDER BY table_schema, table_name, ordinal_position
"""

_PRIMARY_KEYS = """
SELECT kcu.table_schema, kcu.table_name, kcu.column_name
FROM information_schema.table_constraints tc
JOIN information_schema.key_column_usage kcu
  ON kcu.constraint_schema = tc.constraint_schema AND kcu.constraint_name = tc.constraint_name
 AND kcu.table_schema = tc.table_schema AND kcu.table_name = tc.table_name
WHERE tc.constraint_type = 'PRIMARY KEY'
"""

# Single-column foreign keys: (schema, table, column) -> (constraint, referenced schema.table, column).
_FOREIGN_KEYS = """
SELECT n.nspname, c.relname, a.attname, con.conname, fn.nspname, fc.relname, fa.attname
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
JOIN pg_class fc ON fc.oid = con.confrelid
JOIN pg_namespace fn ON fn.oid = fc.relnamespace
JOIN pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = con.confkey[1]
WHERE con.contype = 'f' AND cardinality(con.conkey) = 1 AND left(n.nspname, 3) <> 'pg_'
"""

_FIND_TABLE = f"""
SELECT table_schema, table_name
FROM information_schema.tables
WHERE {_USER_SCHEMAS} AND table_type IN ('BASE TABLE', 'VIEW', 'FOREIGN')
  AND table_schema || '.' || table_name = %s
"""

_NUMBER = frozenset(
    {"smallint", "integer", "bigint", "numeric", "decimal", "real", "double precision", "money", "oid"}
)
_DATETIME = frozenset({"date", "timestamp without time zone", "timestamp with time zone"})
_OBJECT = frozenset({"json", "jsonb", "hstore"})


def field_type(data_type: str) -> FieldType:
    """Polytomic's type for an `information_schema.columns.data_type`; other types are strings."""
    if data_type in _NUMBER:
        return "number"
    if data_type == "boolean":
        return "boolean"
    if data_type in _DATETIME:
        return "datetime"
    if data_type in _OBJECT:
        return "object"
    if data_type == "ARRAY":
        return "array"
    if data_type == "bytea":
        return "binary"
    return "string"


def remote_type(data_type: str, udt_name: str) -> str:
    """The column's type as PostgreSQL names it: arrays as `integer[]`-style `int4[]`, enums by name."""
    if data_type == "ARRAY":
        return udt_name.removeprefix("_") + "[]"
    if data_type == "USER-DEFINED":
        return udt_name
    return data_type


def discover(config: PostgresConfig, ctx: ConnectorContext, *, include_fields: bool) -> list[Schema]:
    """Every table and view of the database's non-system schemas, sorted by `schema.table`.

    Raises:
        ConnectionCheckFailed: The server could not be reached.
        DiscoveryFailed: The catalog could not be read.
    """
    with open_connection(config, ctx.upstreams) as conn:
        try:
            conn.execute("SET TRANSACTION READ ONLY")
            tables = conn.execute(_TABLES).fetchall()
            if not include_fields:
                return [Schema(id=f"{s}.{t}", name=f"{s}.{t}") for s, t in tables]
            columns = conn.execute(_COLUMNS).fetchall()
            keys = {tuple(row) for row in conn.execute(_PRIMARY_KEYS).fetchall()}
            references = {(s, t, c): rest for s, t, c, *rest in conn.execute(_FOREIGN_KEYS).fetchall()}
        except psycopg.Error as exc:
            raise DiscoveryFailed(f"could not read the PostgreSQL catalog: {str(exc).strip()}") from exc
    fields: dict[tuple[str, str], list[SchemaField]] = defaultdict(list)
    for schema, table, column, data_type, udt_name in columns:
        reference = references.get((schema, table, column))
        fields[(schema, table)].append(
            SchemaField(
                id=column,
                name=column,
                type=field_type(data_type),
                remote_type=remote_type(data_type, udt_name),
                is_primary_key=(schema, table, column) in keys,
                association=Association(
                    id=reference[0],
                    name=reference[0],
                    reference_to=(f"{reference[1]}.{reference[2]}",),
                    referenced_field=reference[3],
                )
                if reference
                else None,
            )
        )
    return [Schema(id=f"{s}.{t}", name=f"{s}.{t}", fields=tuple(fields[(s, t)])) for s, t in tables]


def sample(
    config: PostgresConfig,
    ctx: ConnectorContext,
    schema_id: str,
    limit: int,
    *,
    schema: Schema | None = None,  # noqa: ARG001
) -> list[dict[str, Any]]:
    """Up to `limit` rows of the table or view `schema_id` (`schema.table`), in a read-only transaction.

    Raises:
        SchemaNotFound: No such table or view.
        DiscoveryFailed: PostgreSQL refused the read; its message says why.
    """
    with open_connection(config, ctx.upstreams) as conn:
        try:
            conn.execute("SET TRANSACTION READ ONLY")
            found = conn.execute(_FIND_TABLE, (schema_id,)).fetchall()
            if len(found) != 1:  # none, or ambiguous dots such as a.b.c in both "a"."b.c" and "a.b"."c"
                raise SchemaNotFound(schema_id)
            query = sql.SQL("SELECT * FROM {} LIMIT %s").format(sql.Identifier(*found[0]))
            cursor = conn.execute(query, (int(limit),))
            names = [column.name for column in cursor.description or ()]
            rows = cursor.fetchall()
        except psycopg.Error as exc:
            raise DiscoveryFailed(f"could not read {schema_id}: {str(exc).strip()}") from exc
    return [{name: json_safe(value) for name, value in zip(names, row, strict=True)} for row in rows]


DISCOVERY = SourceDiscovery(capabilities=CAPABILITIES, discover=discover, sample=sample)
