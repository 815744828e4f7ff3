"""SOQL over REST: `/query`, `/queryAll`, Tooling query, and `nextRecordsUrl` paging.

A query's later pages are served from a cursor of the org (`sfemu.rest.cursors`): keyset paging that
stays cheap however deep it goes.
"""

from __future__ import annotations

import re
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sfemu.errors import InvalidQueryLocator, MalformedQuery
from sfemu.org import Org
from sfemu.rest.common import caller, org_of, version_of
from sfemu.rest.cursors import Cursor
from sfemu.soql import CompiledQuery, compile_query, rest_records

_BATCH_SIZE = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


def _page_size(request: Request, org: Org) -> int:
    size = org.config.query_page_size
    match = _BATCH_SIZE.search(request.headers.get("sforce-query-options", ""))
    if match:
        size = min(max(int(match.group(1)), 200), 2000)
    return size


def _records_url(version: str, tooling: bool, key: str, served: int) -> str:
    return f"/services/data/v{version}/{'tooling/' if tooling else ''}query/{key}-{served}"


def _serve(
    org: Org,
    version: str,
    compiled: CompiledQuery,
    *,
    after: tuple[Any, ...] | None,
    served: int,
    total: int,
    size: int,
    tooling: bool,
    key: str | None,
) -> dict[str, Any]:
    remaining = total - served
    take = max(min(size, remaining), 0)
    with org.db.reading() as conn:
        if compiled.aggregate:
            rows = conn.execute(compiled.sql, compiled.params).fetchall()
        else:
            sql, params = compiled.page(take, after=after)
            rows = conn.execute(sql, params).fetchall() if take else []
        records = rest_records(conn, compiled, rows, api_version=version)
    served += len(rows)
    body: dict[str, Any] = {
        "totalSize": total,
        "done": served >= total or not rows or compiled.aggregate,
        "records": records,
    }
    if not body["done"]:
        if key is None:
            key = org.cursors.open(Cursor(compiled, {}, total, size, tooling, time.monotonic()))
        org.cursors.get(key).positions[served] = compiled.key_of(rows[-1])
        body["nextRecordsUrl"] = _records_url(version, tooling, key, served)
    return body


def _run(request: Request, *, include_deleted: bool, tooling: bool) -> Response:
    caller(request)
    org = org_of(request)
    version = version_of(request)
    soql = request.query_params.get("q")
    if not soql:
        raise MalformedQuery("A query string must be provided with the q parameter")
    compiled = compile_query(
        soql, org.schema, tooling=tooling, include_deleted=include_deleted, now=org.clock.now()
    )
    with org.db.reading() as conn:
        total = conn.execute(compiled.count_sql, compiled.count_params).fetchone()[0]
    if compiled.count_only:
        return JSONResponse({"totalSize": total, "done": True, "records": []})
    return JSONResponse(
        _serve(
            org,
            version,
            compiled,
            after=None,
            served=0,
            total=total,
            size=_page_size(request, org),
            tooling=tooling,
            key=None,
        )
    )


def run(request: Request) -> Response:
    return _run(request, include_deleted=False, tooling=False)


def run_all(request: Request) -> Response:
    return _run(request, include_deleted=True, tooling=False)


def run_tooling(request: Request) -> Response:
    return _run(request, include_deleted=False, tooling=True)


def run_tooling_all(request: Request) -> Response:
    return _run(request, include_deleted=True, tooling=True)


def next_page(request: Request) -> Response:
    """`/query/{cursor}-{offset}` (also reached through `/queryAll/...` and the Tooling paths)."""
    caller(request)
    org = org_of(request)
    key, _, offset = request.path_params["locator"].rpartition("-")
    cursor = org.cursors.get(key)
    after = cursor.positions.get(int(offset)) if offset.isdigit() else None
    if after is None:
        raise InvalidQueryLocator()
    return JSONResponse(
        _serve(
            org,
            version_of(request),
            cursor.compiled,
            after=after,
            served=int(offset),
            total=cursor.total,
            size=cursor.page_size,
            tooling=cursor.tooling,
            key=key,
        )
    )
