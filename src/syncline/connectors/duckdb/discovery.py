"""DuckDB tables and views as bulk-sync source schemas, read from the catalog functions.

Schemas are the non-internal tables and views of the database file, with ids `schema.table` (e.g.
`main.accounts`); fields in column order, the primary key and single-column foreign keys from
`duckdb_constraints()`. The file is opened read-only; a file that does not exist yet has no schemas.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import duckdb

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
from syncline.connectors.duckdb.config import DuckDBConfig, database_path
from syncline.connectors.duckdb.sandbox import open_read_only
from syncline.connectors.values import json_safe

__all__ = ["DISCOVERY", "discover", "field_type", "sample"]

CAPABILITIES = SourceCapabilities(supports_namespaces=True, supports_tracking_fields=False)

_TABLES = """
SELECT schema_name, table_name FROM duckdb_tables()
WHERE database_name = current_database() AND NOT internal AND NOT temporary
UNION
SELECT schema_name, view_name FROM duckdb_views()
WHERE database_name = current_database() AND NOT internal AND NOT temporary
ORDER BY 1, 2
"""

_COLUMNS = """
SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns()
WHERE database_name = current_database() AND NOT internal
ORDER BY schema_name, table_name, column_index
"""

_CONSTRAINTS = """
SELECT schema_name, table_name, constraint_type, constraint_column_names, constraint_name,
       referenced_table, referenced_column_names
FROM duckdb_constraints()
WHERE database_name = current_database() AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')
"""

_NUMBER = frozenset(
    {
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "UHUGEINT",
        "FLOAT",
        "DOUBLE",
    }
)


def field_type(data_type: str) -> FieldType:
    """Polytomic's type for a DuckDB column type (as `duckdb_columns().data_type` spells it)."""
    upper = data_type.upper()
    if upper.endswith("]"):  # INTEGER[] lists and INTEGER[3] arrays
        return "array"
    if upper in _NUMBER or upper.startswith("DECIMAL"):
        return "number"
    if upper == "BOOLEAN":
        return "boolean"
    if upper == "DATE" or upper.startswith("TIMESTAMP"):
        return "datetime"
    if upper.startswith(("STRUCT", "MAP", "UNION")) or upper == "JSON":
        return "object"
    if upper in {"BLOB", "BIT"}:
        return "binary"
    return "string"


def discover(config: DuckDBConfig, ctx: ConnectorContext, *, include_fields: bool) -> list[Schema]:
    """Every table and view of the database file, sorted by `schema.table`.

    Raises:
        DiscoveryFailed: The file could not be opened (e.g. another process holds its write lock).
    """
    path = database_path(config, ctx)
    if not path.exists():
        return []
    try:
        with open_read_only(path) as conn:
            tables = conn.execute(_TABLES).fetchall()
            if not include_fields:
                return [Schema(id=f"{s}.{t}", name=f"{s}.{t}") for s, t in tables]
            columns = conn.execute(_COLUMNS).fetchall()
            constraints = conn.execute(_CONSTRAINTS).fetchall()
    except duckdb.Error as exc:
        raise DiscoveryFailed(f"could not read the DuckDB database {path}: {exc}") from exc
    keys: set[tuple[str, str, str]] = set()
    references: dict[tuple[str, str, str], Association] = {}
    for schema, table, kind, names, constraint, referenced_table, referenced_names in constraints:
        if kind == "PRIMARY KEY":
            keys.update((schema, table, name) for name in names)
        elif len(names) == 1 and referenced_table and len(referenced_names or ()) == 1:
            # duckdb names the referenced table without its schema: foreign keys stay within one schema
            references[(schema, table, names[0])] = Association(
                id=constraint,
                name=constraint,
                reference_to=(f"{schema}.{referenced_table}",),
                referenced_field=referenced_names[0],
            )
    fields: dict[tuple[str, str], list[SchemaField]] = defaultdict(list)
    for schema, table, column, data_type in columns:
        fields[(schema, table)].append(
            SchemaField(
                id=column,
                name=column,
                type=field_type(data_type),
                remote_type=data_type,
                is_primary_key=(schema, table, column) in keys,
                association=references.get((schema, table, column)),
            )
        )
    return [Schema(id=f"{s}.{t}", name=f"{s}.{t}", fields=tuple(fields[(s, t)])) for s, t in tables]


def sample(
    config: DuckDBConfig,
    ctx: ConnectorContext,
    schema_id: str,
    limit: int,
    *,
    schema: Schema | None = None,  # noqa: ARG001
) -> list[dict[str, Any]]:
    """Up to `limit` rows of the table or view `schema_id` (`schema.table`).

    Raises:
        SchemaNotFound: No such table or view.
        DiscoveryFailed: The file could not be read.
    """
    path = database_path(config, ctx)
    if not path.exists():
        raise SchemaNotFound(schema_id)
    try:
        with open_read_only(path) as conn:
            found = [(s, t) for s, t in conn.execute(_TABLES).fetchall() if f"{s}.{t}" == schema_id]
            if len(found) != 1:
                raise SchemaNotFound(schema_id)
            table = ".".join(_quoted(part) for part in found[0])
            cursor = conn.execute(f"SELECT * FROM {table} LIMIT ?", [int(limit)])
            names = [column[0] for column in cursor.description or ()]
            rows = cursor.fetchall()
    except duckdb.Error as exc:
        raise DiscoveryFailed(f"could not read {schema_id} from {path}: {exc}") from exc
    return [{name: json_safe(value) for name, value in zip(names, row, strict=True)} for row in rows]


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


DISCOVERY = SourceDiscovery(capabilities=CAPABILITIES, discover=discover, sample=sample)
