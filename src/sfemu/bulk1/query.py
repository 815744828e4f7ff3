"""Bulk 1.0 query batches: the SOQL body, PK chunking, and results as CSV, JSON or XML.

Each batch has one result (a `752` id). CSV results are materialized like Bulk 2.0's; JSON results are
records with `attributes` whose dates and datetimes are epoch milliseconds, as Bulk 1.0 writes them.

PK chunking (`Sforce-Enable-PKChunking` on the job): the batch a client adds is marked NotProcessed and
one batch per `chunkSize` Ids takes its place, each running the query with `Id >= lo AND Id < hi`. The
ranges cover every row of the table (or of the `parent` object's table, filtered on the lookup to it).
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from sfemu.bulk1.wire import NS, XSI
from sfemu.bulk2 import results
from sfemu.bulk2.ingest import JobFailure
from sfemu.bulk2.jobs import RESULT_PREFIX, Info, JobStore
from sfemu.errors import SalesforceError
from sfemu.soql import COMPOUND_MESSAGE, CompiledQuery, compile_bulk_query, rest_records
from sfemu.soql.projection import Parent, Scalar
from sfemu.store.db import quote, table_name

if TYPE_CHECKING:
    from sfemu.org import Org

EXTENSIONS = {"CSV": "csv", "JSON": "json", "XML": "xml"}


def compile_batch(org: Org, job: Info, soql: str) -> CompiledQuery:
    try:
        compiled = compile_bulk_query(soql, org.schema, include_deleted=job["operation"] == "queryAll")
    except SalesforceError as error:
        code = "FUNCTIONALITY_NOT_ENABLED" if error.message == COMPOUND_MESSAGE else error.code
        raise JobFailure(f"InvalidBatch : Failed to process query: {code}: {error.message}") from None
    if compiled.obj.name != job["object"]:
        raise JobFailure(
            f"InvalidBatch : Failed to process query: the query's object {compiled.obj.name} is "
            f"not the job's object {job['object']}"
        )
    return compiled


def chunk_ranges(org: Org, job: Info) -> list[tuple[str | None, str | None]]:
    """The Id ranges of PK chunking: every `chunkSize`-th Id of the (parent) table starts a range."""
    settings = job["_pkChunking"]
    obj = org.schema.get(settings.get("parent") or job["object"])
    if obj is None:
        return [(None, None)]
    table = quote(table_name(obj))
    starts = [
        row[0]
        for row in org.db.read(
            f"SELECT Id FROM (SELECT Id, ROW_NUMBER() OVER (ORDER BY Id) AS n FROM {table}) "
            "WHERE (n - 1) % ? = 0 ORDER BY Id",
            (settings["chunkSize"],),
        )
    ]
    if not starts:
        return [(None, None)]
    return [(start, starts[i + 1] if i + 1 < len(starts) else None) for i, start in enumerate(starts)]


def _with_range(job: Info, compiled: CompiledQuery, low: str | None, high: str | None) -> CompiledQuery:
    expr = compiled.columns[0]  # the root record's Id, e.g. t0."Id"
    parent = (job.get("_pkChunking") or {}).get("parent")
    if parent:
        reference = next(
            (
                f
                for f in compiled.obj.fields.values()
                if f.type == "reference" and f.stored and parent in f.reference_to
            ),
            None,
        )
        if reference is None:
            raise JobFailure(
                f"InvalidBatch : {compiled.obj.name} has no lookup to the PK chunking parent {parent}"
            )
        expr = expr.rsplit(".", 1)[0] + "." + quote(reference.name)
    parts = [f"({compiled.where_sql})"] if compiled.where_sql else []
    params = list(compiled.where_params)
    if low is not None:
        parts.append(f"{expr} >= ?")
        params.append(low)
    if high is not None:
        parts.append(f"{expr} < ?")
        params.append(high)
    return dataclasses.replace(compiled, where_sql=" AND ".join(parts), where_params=tuple(params))


def run(org: Org, store: JobStore, job: Info, batch: Info) -> None:
    """Run a query batch (or one PK chunk of it) and write its one result."""
    compiled = compile_batch(org, job, batch["_soql"])
    if batch.get("_range"):
        compiled = _with_range(job, compiled, *batch["_range"])
    result_id = store.new_id(RESULT_PREFIX)
    base = store.path(result_id)
    if job["contentType"] == "CSV":
        count = results.materialize(org.db.path, compiled, base)
    else:
        count = _write_records(org, job, compiled, base)
    batch["_results"] = [result_id]
    batch["numberRecordsProcessed"] = count


def result_path(store: JobStore, job: Info, result_id: str) -> Path:
    if job["contentType"] == "CSV":
        return results.data_file(store.path(result_id))
    return store.path(f"{result_id}.{EXTENSIONS[job['contentType']]}")


def _write_records(org: Org, job: Info, compiled: CompiledQuery, base: Path) -> int:
    version = str(job["apiVersion"])
    path = base.with_name(f"{base.name}.{EXTENSIONS[job['contentType']]}")
    as_json = job["contentType"] == "JSON"
    conn = sqlite3.connect(f"file:{org.db.path}?mode=ro", uri=True)
    count = 0
    try:
        cursor = conn.execute(compiled.sql, compiled.params)
        with path.open("w", encoding="utf-8") as out:
            out.write(
                "["
                if as_json
                else f'<?xml version="1.0" encoding="UTF-8"?><queryResult xmlns="{NS}" xmlns:xsi="{XSI}">'
            )
            while rows := cursor.fetchmany(5000):
                for record in rest_records(conn, compiled, rows, api_version=version):
                    if as_json:
                        out.write(("," if count else "") + json.dumps(_epoch_dates(record, compiled.members)))
                    else:
                        out.write(_xml_record("records", record))
                    count += 1
            out.write("]" if as_json else "</queryResult>")
    finally:
        conn.close()
    return count


def _epoch_dates(record: dict[str, Any], members: tuple[Any, ...]) -> dict[str, Any]:
    """Bulk 1.0 JSON writes date and datetime fields as epoch milliseconds."""
    for member in members:
        value = record.get(member.key)
        dated = isinstance(member, Scalar) and member.field.type in {"date", "datetime"}
        if dated and isinstance(value, str):
            moment = (
                datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")
                if member.field.type == "datetime"
                else datetime.fromisoformat(value).replace(tzinfo=UTC)
            )
            record[member.key] = int(moment.timestamp() * 1000)
        elif isinstance(member, Parent) and isinstance(value, dict):
            _epoch_dates(value, member.members)
    return record


def _xml_record(tag: str, record: dict[str, Any]) -> str:
    kind = record.get("attributes", {}).get("type", "")
    parts = [f'<{tag} xsi:type="sObject"><type>{escape(kind)}</type>']
    for key, value in record.items():
        if key == "attributes":
            continue
        if isinstance(value, dict) and "attributes" in value:
            parts.append(_xml_record(key, value))
        elif value is None:
            parts.append(f'<{key} xsi:nil="true"/>')
        elif isinstance(value, bool):
            parts.append(f"<{key}>{'true' if value else 'false'}</{key}>")
        elif isinstance(value, dict):  # an address compound: Bulk never selects one, but stay well-formed
            parts.append(f"<{key}>{escape(json.dumps(value))}</{key}>")
        else:
            text = str(value)
            if text.endswith("+0000"):
                text = text[:-5] + "Z"
            parts.append(f"<{key}>{escape(text)}</{key}>")
    parts.append(f"</{tag}>")
    return "".join(parts)
