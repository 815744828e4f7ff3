"""Bulk 1.0 DML batches: CSV, JSON or XML records through the shared ingest engine, with lock contention."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sfemu import ids
from sfemu.bulk1.wire import BulkError, parse_records_xml
from sfemu.bulk2.csvio import CsvError, read_text
from sfemu.bulk2.ingest import JobFailure, RecordWriter, named_id, plan_columns, run_records
from sfemu.bulk2.jobs import Info, JobStore
from sfemu.errors import SalesforceError
from sfemu.locks import lock_error
from sfemu.schema.model import ObjectDef

if TYPE_CHECKING:
    from sfemu.org import Org

# Writing a child locks its parent; ownership and audit lookups do not (as in sObject Collections).
_UNLOCKED = {"OwnerId", "CreatedById", "LastModifiedById"}
EXTENSIONS = {"CSV": "csv", "JSON": "json", "XML": "xml"}


def body_path(store: JobStore, job: Info, batch_id: str) -> Path:
    return store.path(f"{batch_id}.{EXTENSIONS[job['contentType']]}")


def check_body(job: Info, body: bytes) -> None:
    """Refuse a batch whose body is not the job's content type (before it is queued)."""
    if job["contentType"] == "JSON":
        try:
            records = json.loads(body or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BulkError(400, "InvalidBatch", f"Unable to parse the JSON batch: {exc}") from None
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise BulkError(400, "InvalidBatch", "A JSON batch must be an array of records (JSON objects)")
    elif job["contentType"] == "XML":
        parse_records_xml(body)


def run(org: Org, store: JobStore, job: Info, batch: Info) -> None:
    obj = org.schema.get(job["object"])
    if obj is None:
        raise JobFailure(f"InvalidEntity : Unable to find object: {job['object']}")
    records = _records(org, obj, job, body_path(store, job, batch["id"]).read_bytes())
    writer = RecordWriter(org, obj, job["operation"], job.get("externalIdFieldName"), job["createdById"])
    lost: set[str] = set()
    if org.config.lock_contention and job["concurrencyMode"] == "Parallel":
        org.locks.reseed(org.config.fault_seed)
        with org.db.lock:
            wanted = [
                parent
                for record in records
                if isinstance(record, Mapping)
                for parent in _parents(org, obj, record)
            ]
        lost = org.locks.contested(batch["id"], wanted)

    def apply(_seq: int, record: Any) -> tuple[str | None, bool]:
        if isinstance(record, SalesforceError):
            raise record
        if lost:
            contested = lost.intersection(_parents(org, obj, record))
            if contested:
                raise lock_error(min(contested))
        return writer.apply(record)

    def failed_id(record: Any) -> str | None:
        return named_id(record) if isinstance(record, Mapping) else None

    processed, failed = run_records(org, store, batch["id"], enumerate(records), apply, id_of=failed_id)
    batch["numberRecordsProcessed"] = processed
    batch["numberRecordsFailed"] = failed


def _records(org: Org, obj: ObjectDef, job: Info, body: bytes) -> list[Any]:
    """The batch's records as values for `RecordStore` (or the error a record fails with)."""
    if job["contentType"] == "CSV":
        try:
            rows = [row for row in read_text(body.decode("utf-8-sig")) if row]
        except (CsvError, UnicodeDecodeError) as exc:
            raise JobFailure(f"InvalidBatch : {exc}") from None
        if not rows:
            raise JobFailure("InvalidBatch : The CSV has no header row")
        columns = plan_columns(org, obj, rows[0], job["operation"], job.get("externalIdFieldName"))
        records: list[Any] = []
        for number, cells in enumerate(rows[1:], start=2):
            if len(cells) != len(columns.headers):
                raise JobFailure(
                    f"InvalidBatch : Row {number} has {len(cells)} columns but the header has "
                    f"{len(columns.headers)}"
                )
            try:
                records.append(columns.record(cells))
            except SalesforceError as error:
                records.append(error)
        return records
    try:
        records = json.loads(body) if job["contentType"] == "JSON" else parse_records_xml(body)
    except BulkError as exc:
        raise JobFailure(f"InvalidBatch : {exc.message}") from None
    for record in records:
        for key in record:
            if key != "attributes" and obj.field(key) is None and obj.relationship(key) is None:
                raise JobFailure(f"InvalidBatch : Field name not found : {key}")
    return records


def _parents(org: Org, obj: ObjectDef, record: Mapping[str, Any]) -> list[str]:
    """The parents a write of `record` locks: its lookups, and for an existing record its stored ones."""
    merged: dict[str, Any] = {}
    record_id = named_id(record)
    if record_id and ids.normalize(record_id):
        merged.update(org.records.get(obj, record_id) or {})
    merged.update(record)
    found = []
    for f in obj.fields.values():
        if f.type != "reference" or not f.stored or f.name in _UNLOCKED:
            continue
        value = next((v for k, v in merged.items() if k.lower() == f.name.lower()), None)
        if isinstance(value, str) and ids.normalize(value):
            found.append(ids.to18(value))
    return found
