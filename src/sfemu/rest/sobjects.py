"""Single-record REST: create, read, update, delete, upsert and read by external id; getUpdated/getDeleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sfemu import ids
from sfemu.clock import format_storage
from sfemu.errors import InvalidField, MalformedQuery, NotFound, SalesforceError
from sfemu.rest.common import caller, json_object, org_of, sobject, version_of
from sfemu.rest.describe import describe, describe_global
from sfemu.rest.reading import read_record
from sfemu.store.db import quote, table_name
from sfemu.store.records import MultipleMatches
from sfemu.store.values import parse_datetime


def list_sobjects(request: Request) -> Response:
    caller(request)
    return JSONResponse(describe_global(org_of(request).schema, version_of(request)))


def describe_sobject(request: Request) -> Response:
    """Describe; `If-Modified-Since` at or after the schema's load time gets 304, as Salesforce does."""
    caller(request)
    org = org_of(request)
    obj = sobject(org, request.path_params["name"])
    since = request.headers.get("if-modified-since")
    loaded = org.schema_loaded_at.replace(microsecond=0)
    if since:
        try:
            unchanged = parsedate_to_datetime(since) >= loaded
        except (TypeError, ValueError):
            unchanged = False
        if unchanged:
            return Response(status_code=304)
    return JSONResponse(
        describe(org.schema, obj, version_of(request)),
        headers={"Last-Modified": format_datetime(loaded, usegmt=True)},
    )


def sobject_info(request: Request) -> Response:
    caller(request)
    org = org_of(request)
    from sfemu.rest.describe import global_entry

    obj = sobject(org, request.path_params["name"])
    return JSONResponse({"objectDescribe": global_entry(obj, version_of(request)), "recentItems": []})


def create(request: Request) -> Response:
    session = caller(request)
    org = org_of(request)
    obj = sobject(org, request.path_params["name"])
    record_id = org.records.create(obj, json_object(request), user_id=session.user_id)
    version = version_of(request)
    return JSONResponse(
        {"id": record_id, "success": True, "errors": []},
        status_code=201,
        headers={"Location": f"/services/data/v{version}/sobjects/{obj.name}/{record_id}"},
    )


def record(request: Request) -> Response:
    """GET, PATCH or DELETE one record by id."""
    session = caller(request)
    org = org_of(request)
    obj = sobject(org, request.path_params["name"])
    record_id = request.path_params["id"]
    if request.method == "GET":
        fields = request.query_params.get("fields")
        wanted = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
        return JSONResponse(read_record(org, obj, record_id, wanted, version_of(request)))
    if ids.normalize(record_id) is None:
        raise NotFound("Provided external ID field does not exist or is not accessible: " + record_id)
    if request.method == "PATCH":
        org.records.update(obj, record_id, json_object(request), user_id=session.user_id)
    else:
        org.records.delete(obj, record_id, user_id=session.user_id)
    return Response(status_code=204)


def by_external_id(request: Request) -> Response:
    """GET by external id; PATCH upserts (201 created / 200 updated / 300 several); DELETE by external id."""
    session = caller(request)
    org = org_of(request)
    obj = sobject(org, request.path_params["name"])
    field_name, value = request.path_params["field"], request.path_params["value"]
    f = obj.field(field_name)
    if f is None or not (f.external_id or f.id_lookup or f.name == "Id"):
        raise NotFound(f"Provided external ID field does not exist or is not accessible: {field_name}")
    version = version_of(request)
    if request.method == "PATCH" or request.method == "POST":
        body = json_object(request)
        if any(key.lower() == f.name.lower() for key in body):
            raise InvalidField(
                f"Field {f.name} is not valid in the body of an upsert by that field; it is given in the URL",
                [f.name],
            )
        if request.query_params.get("updateOnly") == "true" and not org.records.find_by_field(obj, f, value):
            raise NotFound()
        try:
            outcome = org.records.upsert(obj, f.name, value, body, user_id=session.user_id)
        except MultipleMatches as many:
            return JSONResponse(
                [f"/services/data/v{version}/sobjects/{obj.name}/{m}" for m in many.matches], status_code=300
            )
        return JSONResponse(
            {"id": outcome.id, "success": True, "errors": [], "created": outcome.created},
            status_code=201 if outcome.created else 200,
        )
    matches = org.records.find_by_field(obj, f, value)
    if not matches:
        raise NotFound()
    if len(matches) > 1:
        return JSONResponse(
            [f"/services/data/v{version}/sobjects/{obj.name}/{m}" for m in matches], status_code=300
        )
    if request.method == "DELETE":
        org.records.delete(obj, matches[0], user_id=session.user_id)
        return Response(status_code=204)
    return JSONResponse(read_record(org, obj, matches[0], None, version))


def _window(request: Request) -> tuple[str, str]:
    start = parse_datetime(request.query_params.get("start", ""))
    end = parse_datetime(request.query_params.get("end", ""))
    if start is None or end is None:
        raise MalformedQuery("start and end must be ISO-8601 date-times with an offset")
    now = datetime.now(UTC)
    if end < start or start < now - timedelta(days=30):
        raise SalesforceError(
            400, "INVALID_REPLICATION_DATE", "startDate must be within the last 30 days and before endDate"
        )
    # Salesforce works in whole minutes here.
    return format_storage(start.replace(second=0, microsecond=0)), format_storage(
        end.replace(second=0, microsecond=0)
    )


def _sf_datetime(stored: str) -> str:
    return stored[:-1] + "+0000"


def _covered(end: str) -> str:
    """latestDateCovered never lies in the future."""
    return _sf_datetime(min(end, format_storage(datetime.now(UTC).replace(second=0, microsecond=0))))


def updated(request: Request) -> Response:
    caller(request)
    org = org_of(request)
    obj = sobject(org, request.path_params["name"])
    start, end = _window(request)
    rows = org.db.read(
        f"SELECT Id FROM {quote(table_name(obj))} WHERE SystemModstamp >= ? AND SystemModstamp < ? "
        "AND IsDeleted = 0 ORDER BY Id",
        (start, end),
    )
    return JSONResponse({"ids": [row[0] for row in rows], "latestDateCovered": _covered(end)})


def deleted(request: Request) -> Response:
    caller(request)
    org = org_of(request)
    obj = sobject(org, request.path_params["name"])
    start, end = _window(request)
    rows = org.db.read(
        "SELECT id, deleted_date FROM _deleted_log WHERE object = ? AND deleted_date >= ? AND "
        "deleted_date < ? ORDER BY deleted_date, id",
        (obj.name, start, end),
    )
    earliest = format_storage(datetime.now(UTC) - timedelta(days=15))
    return JSONResponse(
        {
            "deletedRecords": [{"id": row[0], "deletedDate": _sf_datetime(row[1])} for row in rows],
            "earliestDateAvailable": _sf_datetime(earliest),
            "latestDateCovered": _covered(end),
        }
    )
