"""Reading records by id, through the SOQL engine so formula and compound fields come out right."""

from __future__ import annotations

from typing import Any

from sfemu import ids
from sfemu.errors import EntityIsDeleted, NotFound
from sfemu.org import Org
from sfemu.schema.model import ObjectDef
from sfemu.soql import compile_query, rest_records


def _select(
    org: Org, obj: ObjectDef, record_ids: list[str], fields: list[str] | None, version: str
) -> dict[str, tuple[dict[str, Any], bool]]:
    """(record, is deleted) by 18-character id; deleted rows are read too, so callers can say so."""
    names = fields or [f.name for f in obj.fields.values()]
    columns = ", ".join(dict.fromkeys(["Id", "IsDeleted", *names]))
    quoted = ", ".join(f"'{record_id}'" for record_id in record_ids)
    compiled = compile_query(
        f"SELECT {columns} FROM {obj.name} WHERE Id IN ({quoted})",
        org.schema,
        tooling=obj.tooling,
        include_deleted=True,
        now=org.clock.now(),
    )
    with org.db.reading() as conn:
        rows = conn.execute(compiled.sql, compiled.params).fetchall()
        records = rest_records(conn, compiled, rows, api_version=version)
    asked = {name.lower() for name in names} | {"attributes"}
    found = {}
    for record in records:
        deleted = record.get("IsDeleted") is True
        if fields is not None:  # Id and IsDeleted were only added to the SELECT for us
            record = {k: v for k, v in record.items() if k.lower() in asked}
        found[str(record.get("Id") or record["attributes"]["url"].rsplit("/", 1)[-1])] = (record, deleted)
    return found


def read_record(
    org: Org, obj: ObjectDef, record_id: str, fields: list[str] | None, version: str
) -> dict[str, Any]:
    normalized = ids.normalize(record_id)
    if normalized is None or normalized[:3] != obj.key_prefix:
        raise NotFound()
    found = _select(org, obj, [normalized], fields, version).get(normalized)
    if found is None:
        raise NotFound()
    record, deleted = found
    if deleted:
        raise EntityIsDeleted(fields=[])
    return record


def read_records(
    org: Org, obj: ObjectDef, record_ids: list[str], fields: list[str], version: str
) -> list[dict[str, Any] | None]:
    """sObject Collections retrieve: one entry per id in order, None where there is no (live) record."""
    normalized = [ids.normalize(record_id) for record_id in record_ids]
    valid = [n for n in normalized if n and n[:3] == obj.key_prefix]
    found = _select(org, obj, valid, fields, version) if valid else {}
    out: list[dict[str, Any] | None] = []
    for n in normalized:
        hit = found.get(n) if n else None
        out.append(None if hit is None or hit[1] else hit[0])
    return out
