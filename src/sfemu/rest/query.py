"""SOQL over REST: `/query`, `/queryAll`, Tooling query, and `nextRecordsUrl` paging.

A query's later pages are served from a cursor (the compiled query plus the sort key of the last row
served), so paging is keyset-based and cheap however deep it goes. Cursors live in memory and expire
after 15 minutes of inactivity, as Salesforce's query locators do.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sfemu.errors import SalesforceError
from sfemu.org import Org
from sfemu.rest.common import caller, org_of, version_of
from sfemu.soql import CompiledQuery, compile_query, rest_records

CURSOR_IDLE_SECONDS = 15 * 60
MAX_CURSORS = 1000
_BATCH_SIZE = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


@dataclass
class Cursor:
    """An open query: where each page handed out so far ends, by row offset.

    Keeping every page boundary (not just the last) lets a client that lost an answer fetch the same
    `nextRecordsUrl` again and get the same page, as Salesforce allows.
    """

    compiled: CompiledQuery
    positions: dict[int, tuple[Any, ...]]
    total: int
    page_size: int
    tooling: bool
    touched: float


class Cursors:
    def __init__(self) -> None:
        self._cursors: OrderedDict[str, Cursor] = OrderedDict()
        self._lock = threading.Lock()

    def open(self, cursor: Cursor) -> str:
        with self._lock:
            key = "01g" + uuid.uuid4().hex[:15]
            self._cursors[key] = cursor
            while len(self._cursors) > MAX_CURSORS:
                self._cursors.popitem(last=False)
            return key

    def get(self, key: str) -> Cursor:
        with self._lock:
            cursor = self._cursors.get(key)
            if cursor is None or time.monotonic() - cursor.touched > CURSOR_IDLE_SECONDS:
                self._cursors.pop(key, None)
                raise SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
            cursor.touched = time.monotonic()
            return cursor


_cursors = Cursors()


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
            key = _cursors.open(Cursor(compiled, {}, total, size, tooling, time.monotonic()))
        _cursors.get(key).positions[served] = compiled.key_of(rows[-1])
        body["nextRecordsUrl"] = _records_url(version, tooling, key, served)
    return body


def _run(request: Request, *, include_deleted: bool, tooling: bool) -> Response:
    caller(request)
    org = org_of(request)
    version = version_of(request)
    soql = request.query_params.get("q")
    if not soql:
        raise SalesforceError(400, "MALFORMED_QUERY", "A query string must be provided with the q parameter")
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


async def run(request: Request) -> Response:
    return _run(request, include_deleted=False, tooling=False)


async def run_all(request: Request) -> Response:
    return _run(request, include_deleted=True, tooling=False)


async def run_tooling(request: Request) -> Response:
    return _run(request, include_deleted=False, tooling=True)


async def run_tooling_all(request: Request) -> Response:
    return _run(request, include_deleted=True, tooling=True)


async def next_page(request: Request) -> Response:
    """`/query/{cursor}-{offset}` (also reached through `/queryAll/...` and the Tooling paths)."""
    caller(request)
    org = org_of(request)
    key, _, offset = request.path_params["locator"].rpartition("-")
    cursor = _cursors.get(key)
    after = cursor.positions.get(int(offset)) if offset.isdigit() else None
    if after is None:
        raise SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
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
