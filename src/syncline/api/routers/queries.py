"""The query runner: SQL or SOQL against a connection, run in the background, results paged."""

from __future__ import annotations

import base64
import json
from typing import Any

from fastapi import Query, Request
from pydantic import BaseModel, ConfigDict

from syncline.api.deps import CallerDep, SessionDep, StateDep
from syncline.api.envelope import iso
from syncline.api.errors import BadRequest, NotFound, Unprocessable, field_errors
from syncline.api.models.jobs import QueryResultsEnvelope, RunQueryEnvelope
from syncline.api.routers.connections import load_connection
from syncline.api.routers.jobs import job_response
from syncline.api.routing import api_router
from syncline.connectors.errors import CapabilityMissing
from syncline.runtime.jobs import JobStatus
from syncline.services import queries
from syncline.store.tables import Job, QueryResult

router = api_router(tags=["query runner"])

PAGE_SIZE = 100


class RunQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str | None = None


def _summary(job: Job, row: QueryResult) -> dict[str, Any]:
    shown = job_response(job)  # the query runner uses the jobs API's words for the states
    return {
        "id": job.id,
        "status": shown["status"],
        "count": row.row_count,
        "fields": list(row.fields or []),
        "error": shown["error"],
        "expires": iso(row.expires_at),
    }


@router.post("/connections/{connection_id}/query", response_model=RunQueryEnvelope)
def run_query(
    connection_id: str,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    state: StateDep,
    body: RunQuery | None = None,
    query: str | None = Query(None, description="the SQL or SOQL text"),
) -> dict[str, Any]:
    """Start a query; the SDK sends it as `?query=` with an empty body, curl users in the body."""
    del request
    text = (query or (body.query if body else None) or "").strip()
    if not text:
        raise Unprocessable(
            "query: the query text is required, as ?query= or in the body",
            metadata=field_errors([("query", "is required")]),
        )
    connection = load_connection(session, caller, connection_id)
    try:
        started = queries.start(state, session, connection, text)
    except CapabilityMissing as exc:
        raise BadRequest(str(exc), metadata={"type": connection.type}) from None
    return {"data": _summary(started.job, started.result)}


def _page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode().rstrip("=")


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        value = int(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode())
    except (ValueError, UnicodeDecodeError):
        value = -1
    if value < 0:
        raise Unprocessable(
            "page: not a page token of this query; use links.next or links.previous as given",
            metadata=field_errors([("page", "invalid page token")]),
        )
    return value


@router.get("/queries/{query_id}", response_model=QueryResultsEnvelope)
def get_query(
    query_id: str,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    page: str | None = Query(None, description="token from links.next or links.previous"),
) -> dict[str, Any]:
    found = queries.find(session, query_id)
    if found is None or not caller.may_act_in(session, found.result.organization_id):
        raise NotFound.resource("query", query_id)
    job, row = found.job, found.result
    start = _offset(page)
    data = _summary(job, row)
    links: dict[str, str | None] = {"next": None, "previous": None}
    if job.status == JobStatus.COMPLETED:
        rows = json.loads(row.results or b"[]")
        data["results"] = rows[start : start + PAGE_SIZE]
        base = str(request.url.remove_query_params("page"))
        if start + PAGE_SIZE < len(rows):
            links["next"] = f"{base}?page={_page_token(start + PAGE_SIZE)}"
        if start > 0:
            links["previous"] = f"{base}?page={_page_token(max(start - PAGE_SIZE, 0))}"
    return {"data": data, "links": links}
