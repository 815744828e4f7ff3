"""sObject Collections (`/composite/sobjects`): up to 200 records a call, results in request order.

With `allOrNone` a single failure rolls every record back; the others then report
ALL_OR_NONE_OPERATION_ROLLED_BACK, as Salesforce does. Without it each record stands alone.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sfemu import ids
from sfemu.errors import (
    ExceededIdLimit,
    InvalidField,
    InvalidType,
    JsonParserError,
    MalformedId,
    MissingArgument,
    SalesforceError,
)
from sfemu.locks import lock_error
from sfemu.org import Org
from sfemu.rest.common import caller, json_object, org_of, sobject, version_of
from sfemu.rest.reading import read_records
from sfemu.schema.model import ObjectDef
from sfemu.store.records import MultipleMatches

MAX_RECORDS = 200
ROLLED_BACK = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the request was using "
    "AllOrNone header",
    "fields": [],
}


class _Rollback(Exception):
    pass


def _records_of(body: dict[str, Any]) -> tuple[list[Any], bool]:
    records = body.get("records")
    if not isinstance(records, list):
        raise JsonParserError("records: a list of records is required")
    if len(records) > MAX_RECORDS:
        raise ExceededIdLimit(
            f"record limit reached. cannot submit more than {MAX_RECORDS} records into this call",
        )
    return records, bool(body.get("allOrNone", False))


def _type_of(org: Org, record: Any) -> ObjectDef:
    if not isinstance(record, dict):
        raise JsonParserError("each record must be a JSON object")
    attributes = record.get("attributes") or {}
    name = attributes.get("type") if isinstance(attributes, dict) else None
    if not name:
        raise InvalidType("Must specify a type in the attributes of each record")
    obj = org.schema.get(name)
    if obj is None:
        raise InvalidType(f"sObject type '{name}' is not supported.")
    return obj


def _parents(obj: ObjectDef, record: dict[str, Any]) -> list[str]:
    found = []
    for f in obj.fields.values():
        if (
            f.type == "reference"
            and f.stored
            and f.name not in {"OwnerId", "CreatedById", "LastModifiedById"}
        ):
            value = record.get(f.name)
            if isinstance(value, str) and ids.normalize(value):
                found.append(ids.to18(value))
    return found


def _run(
    org: Org,
    records: list[Any],
    all_or_none: bool,
    operation: Callable[[Any], dict[str, Any]],
    parents: Callable[[Any], list[str]],
    *,
    keep_ids: bool = True,
) -> list[Any]:
    """Apply `operation` to each record in one transaction; per-record savepoints isolate failures."""
    owner = uuid.uuid4().hex
    contested: set[str] = set()
    if org.config.lock_contention:
        org.locks.reseed(org.config.fault_seed)
        wanted = [p for record in records for p in _safe(parents, record)]
        contested = org.locks.contested(owner, wanted)
        # Hold the parents while "triggers run", so that concurrent requests really overlap.
        time.sleep(max(org.config.latency_ms, 20) / 1000)
    results: list[Any] = []
    try:
        with org.db.transaction():
            for record in records:
                try:
                    if contested & set(_safe(parents, record)):
                        raise lock_error(next(iter(contested & set(_safe(parents, record)))))
                    with org.db.savepoint():
                        results.append(operation(record))
                except SalesforceError as error:
                    results.append({"success": False, "errors": [error.record_error()]})
            failed = any(not r.get("success") for r in results)
            if all_or_none and failed:
                raise _Rollback
    except _Rollback:
        # A rolled-back insert never got an id; updates and deletes keep naming their record.
        results = [
            r
            if not r.get("success")
            else {**({"id": r["id"]} if keep_ids else {}), "success": False, "errors": [ROLLED_BACK]}
            for r in results
        ]
    finally:
        org.locks.release(owner)
    return results


def _safe(function: Callable[[Any], list[str]], record: Any) -> list[str]:
    try:
        return function(record)
    except SalesforceError:
        return []


def create(request: Request) -> Response:
    session = caller(request)
    org = org_of(request)
    records, all_or_none = _records_of(json_object(request))

    def one(record: Any) -> dict[str, Any]:
        obj = _type_of(org, record)
        if record.get("id") or record.get("Id"):
            raise InvalidField("cannot specify Id in an insert call", ["Id"])
        return {"id": org.records.create(obj, record, user_id=session.user_id), "success": True, "errors": []}

    return JSONResponse(
        _run(org, records, all_or_none, one, lambda r: _parents(_type_of(org, r), r), keep_ids=False)
    )


def update(request: Request) -> Response:
    session = caller(request)
    org = org_of(request)
    records, all_or_none = _records_of(json_object(request))

    def one(record: Any) -> dict[str, Any]:
        obj = _type_of(org, record)
        record_id = record.get("id") or record.get("Id")
        if not record_id:
            raise MissingArgument("Id not specified in an update call", ["Id"])
        values = {k: v for k, v in record.items() if k not in {"id", "Id"}}
        org.records.update(obj, record_id, values, user_id=session.user_id)
        return {"id": ids.to18(record_id), "success": True, "errors": []}

    def parents(record: Any) -> list[str]:
        obj = _type_of(org, record)
        stored = org.records.get(obj, record.get("id") or record.get("Id") or "") or {}
        return _parents(obj, {**stored, **record})

    return JSONResponse(_run(org, records, all_or_none, one, parents))


def upsert(request: Request) -> Response:
    session = caller(request)
    org = org_of(request)
    obj = sobject(org, request.path_params["name"])
    field_name = request.path_params["field"]
    f = obj.field(field_name)
    if f is None or not (f.external_id or f.name == "Id"):
        raise InvalidField(
            f"Field name provided, {field_name} is not an External ID or indexed field for {obj.name}",
            [field_name],
        )
    records, all_or_none = _records_of(json_object(request))

    def one(record: Any) -> dict[str, Any]:
        if _type_of(org, record).name != obj.name:
            raise InvalidType(f"records must all be of type {obj.name}")
        key = next((v for k, v in record.items() if k.lower() == f.name.lower()), None)
        values = {k: v for k, v in record.items() if k.lower() != f.name.lower()}
        try:
            outcome = org.records.upsert(obj, f.name, key, values, user_id=session.user_id)
        except MultipleMatches as many:
            raise SalesforceError(
                300,
                "DUPLICATE_EXTERNAL_ID",
                f"{f.name}: more than one record found for external id field: {many.matches}",
                [f.name],
            ) from None
        return {"id": outcome.id, "success": True, "errors": [], "created": outcome.created}

    return JSONResponse(_run(org, records, all_or_none, one, lambda r: _parents(obj, r), keep_ids=False))


def delete(request: Request) -> Response:
    session = caller(request)
    org = org_of(request)
    raw = request.query_params.get("ids", "")
    record_ids = [i for i in raw.split(",") if i]
    if not record_ids:
        raise MissingArgument("ids: at least one id is required")
    if len(record_ids) > MAX_RECORDS:
        raise ExceededIdLimit(
            f"record limit reached. cannot submit more than {MAX_RECORDS} records into this call",
        )
    all_or_none = request.query_params.get("allOrNone", "false").lower() == "true"

    def one(record_id: str) -> dict[str, Any]:
        normalized = ids.normalize(record_id)
        obj = org.schema.by_prefix(record_id[:3]) if normalized else None
        if obj is None:
            raise MalformedId(f"malformed id {record_id}", [])
        org.records.delete(obj, record_id, user_id=session.user_id)
        return {"id": normalized, "success": True, "errors": []}

    results = _run(org, record_ids, all_or_none, one, lambda _r: [])
    for index, record_id in enumerate(record_ids):
        if not results[index].get("success"):
            results[index] = {"id": ids.normalize(record_id), **results[index]}
    return JSONResponse(results)


def retrieve(request: Request) -> Response:
    caller(request)
    org = org_of(request)
    obj = sobject(org, request.path_params["name"])
    if request.method == "POST":
        body = json_object(request)
        record_ids, fields = body.get("ids") or [], body.get("fields") or []
    else:
        record_ids = [i for i in request.query_params.get("ids", "").split(",") if i]
        fields = [f for f in request.query_params.get("fields", "").split(",") if f]
    if not fields:
        raise MissingArgument("fields: at least one field is required")
    if len(record_ids) > 2000:
        raise ExceededIdLimit("cannot retrieve more than 2000 records")
    return JSONResponse(read_records(org, obj, record_ids, fields, version_of(request)))
