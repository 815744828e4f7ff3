"""SQLite rows of a compiled query → REST query records (salesforce-wire.md §2.5, §7.2).

Records carry `attributes` (type and url), keys in describe casing, relationship objects with their own
attributes (null without a parent), address compounds as objects, child subqueries as nested query
results (null when empty) and datetimes as `2024-01-15T10:30:00.000+0000`.

Each page turns the query's projection into a flat list of shaping steps (key, row index, converter)
first, so a record costs one small loop over its fields rather than a type dispatch per value.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from sfemu.schema.model import FieldDef, ObjectDef
from sfemu.soql.compiler import CompiledQuery
from sfemu.soql.projection import AggregateColumn, Children, Compound, Member, Parent, Scalar

__all__ = ["rest_records", "rest_value", "sobject_url_base"]

Row = Sequence[Any]
Converter = Callable[[Any], Any]
# A shaping step: (key, row index, converter). Index -1 means `converter(row, record_id, context)` builds
# the value itself (relationship objects, compounds, children, base64 urls).
Step = tuple[str, int, Any]


def sobject_url_base(api_version: str, *, tooling: bool = False) -> str:
    """`/services/data/v62.0/sobjects/` (or `.../tooling/sobjects/`); api_version may carry its `v`."""
    version = api_version.removeprefix("v")
    return f"/services/data/v{version}/" + ("tooling/" if tooling else "") + "sobjects/"


def rest_records(
    conn: sqlite3.Connection, compiled: CompiledQuery, rows: Sequence[Row], *, api_version: str = "62.0"
) -> list[dict[str, Any]]:
    """Shape one page of rows; child subqueries are fetched here, one SQL query per subquery per page."""
    if compiled.aggregate:
        return [_aggregate_record(compiled.members, row) for row in rows]
    context = _Context(sobject_url_base(api_version, tooling=compiled.tooling))
    parent_ids = [row[0] for row in rows]
    for member in compiled.members:
        if isinstance(member, Children) and parent_ids:
            context.children[member.key] = _fetch_children(conn, member.query, parent_ids, context.base)
    shape = _shaper(compiled.obj, compiled.members)
    return [shape(row, row[0], context) for row in rows]


def rest_value(definition: FieldDef, value: Any) -> Any:
    """A stored value in its REST JSON form."""
    if value is None:
        return False if definition.type == "boolean" else None  # Salesforce booleans are never null
    converter = _CONVERTERS.get(definition.type)
    return value if converter is None else converter(value)


def _datetime(value: Any) -> Any:
    return value[:-1] + "+0000" if isinstance(value, str) and value.endswith("Z") else value


_CONVERTERS: dict[str, Converter] = {
    "datetime": _datetime,
    "boolean": bool,
    "int": int,
    "long": int,
    "double": float,
    "currency": float,
    "percent": float,
}


class _Context:
    """What shaping one page needs besides the row: the url base and the page's child records."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.children: dict[str, dict[str, list[dict[str, Any]]]] = {}


Shaper = Callable[[Row, Any, _Context], dict[str, Any]]


def _shaper(obj: ObjectDef, members: tuple[Member, ...]) -> Shaper:
    steps = [_step(obj, member) for member in members]
    name = obj.name

    def shape(row: Row, record_id: Any, context: _Context) -> dict[str, Any]:
        record: dict[str, Any] = {"attributes": {"type": name, "url": f"{context.base}{name}/{record_id}"}}
        for key, index, convert in steps:
            if index < 0:
                record[key] = convert(row, record_id, context)
                continue
            value = row[index]
            record[key] = value if convert is None or value is None else convert(value)
        return record

    return shape


def _step(obj: ObjectDef, member: Member) -> Step:
    if isinstance(member, Scalar):
        kind = member.field.type
        if kind == "boolean":  # never null in Salesforce
            index = member.index
            return (member.key, -1, lambda row, _id, _ctx: bool(row[index]))
        if kind == "base64":  # REST gives the blob's URL, not its bytes
            return (member.key, -1, _blob_url(obj.name, member))
        return (member.key, member.index, _CONVERTERS.get(kind))
    if isinstance(member, Parent):
        return (member.key, -1, _parent(member))
    if isinstance(member, Compound):
        return (member.key, -1, _compound(member))
    if isinstance(member, Children):
        key = member.key
        return (key, -1, lambda _row, record_id, ctx: _nested(ctx.children.get(key, {}).get(record_id)))
    raise TypeError(f"unexpected member {member!r}")


def _parent(member: Parent) -> Callable[[Row, Any, _Context], Any]:
    shape = _shaper(member.obj, member.members)
    id_index = member.id_index

    def parent(row: Row, _record_id: Any, context: _Context) -> Any:
        parent_id = row[id_index]
        return None if parent_id is None else shape(row, parent_id, context)

    return parent


def _compound(member: Compound) -> Callable[[Row, Any, _Context], Any]:
    parts = member.parts

    def compound(row: Row, _record_id: Any, _context: _Context) -> Any:
        values = {key: rest_value(part, row[index]) for key, index, part in parts}
        return values if any(value is not None for value in values.values()) else None

    return compound


def _blob_url(obj_name: str, member: Scalar) -> Callable[[Row, Any, _Context], Any]:
    index, field_name = member.index, member.field.name

    def blob(row: Row, record_id: Any, context: _Context) -> Any:
        return None if row[index] is None else f"{context.base}{obj_name}/{record_id}/{field_name}"

    return blob


def _nested(records: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    return {"totalSize": len(records), "done": True, "records": records} if records else None


def _fetch_children(
    conn: sqlite3.Connection, query: CompiledQuery, parent_ids: list[Any], base: str
) -> dict[str, list[dict[str, Any]]]:
    sql, params = query.children_sql(parent_ids)
    grouped: dict[str, list[Row]] = {}
    for row in conn.execute(sql, params):
        grouped.setdefault(row[1], []).append(row)
    end = None if query.limit is None else query.offset + query.limit  # LIMIT/OFFSET count per parent
    shape = _shaper(query.obj, query.members)
    context = _Context(base)
    return {
        parent: [shape(row, row[0], context) for row in rows[query.offset : end]]
        for parent, rows in grouped.items()
    }


def _aggregate_record(members: tuple[Member, ...], row: Row) -> dict[str, Any]:
    record: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
    for member in members:
        if isinstance(member, AggregateColumn):
            value = row[member.index]
            converter = _CONVERTERS.get(member.type)
            record[member.key] = value if value is None or converter is None else converter(value)
    return record
