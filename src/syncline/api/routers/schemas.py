"""Schema discovery of bulk-sync sources: the cached schemas of a connection, their refresh and samples.

GET  /api/connections/{id}/bulksync/source?include_fields=   capabilities and the cached schemas
POST /api/connections/{id}/schemas/refresh                    202 + Location: a background refresh
GET  /api/connections/{id}/schemas/status                     cache_status and the last refresh's times
GET  /api/connections/{id}/schemas/{schema_id}                one cached schema, with its fields
GET  /api/connections/{id}/schemas/{schema_id}/records        a small sample of its records

Reads are served from the cache (`runtime/schema_cache.py`); a connection that was never inspected is
inspected inline on its first read. Refreshes are only allowed while the connection is healthy.
Upstream refusals answer with the connector's own message, mapped by category in
`api/connector_errors.py`: 429 for a used-up API budget, 502 for an upstream that stays unavailable,
404 for an unknown schema, 400 otherwise.
"""

from __future__ import annotations

from typing import Any

from fastapi import Query, Response
from sqlalchemy.orm import Session

from syncline.api.auth import Caller
from syncline.api.connector_errors import upstream_error
from syncline.api.deps import CallerDep, SessionDep, StateDep
from syncline.api.envelope import iso
from syncline.api.errors import BadRequest, Conflict, NotFound
from syncline.api.models.discovery import (
    BulkSyncSourceEnvelope,
    BulkSyncSourceSchemaEnvelope,
    BulkSyncSourceStatusEnvelope,
    SchemaRecordsResponseEnvelope,
)
from syncline.api.routers.connections import load_connection
from syncline.api.routing import API_ERRORS, api_router
from syncline.connectors.discovery import SAMPLE_LIMIT
from syncline.connectors.errors import CapabilityMissing, ConnectorError, SchemaNotFound
from syncline.runtime import schema_cache
from syncline.services import schemas
from syncline.services.container import Services
from syncline.store.tables import Connection

router = api_router(tags=["schemas"], errors=(*API_ERRORS, 429, 502))

MAX_SAMPLE = 100


# --- helpers ------------------------------------------------------------------------------------


def _source(session: Session, caller: Caller, connection_id: str, state: Services) -> schemas.Source:
    """The connection ready for discovery; the request's transaction ends here, so the upstream calls
    that follow (and their budget and token reads) never wait while it holds a pooled connection."""
    connection = load_connection(session, caller, connection_id)
    source = _discoverable(state, connection)
    session.commit()
    return source


def _discoverable(state: Services, connection: Connection) -> schemas.Source:
    try:
        return schemas.Source(state, connection)
    except CapabilityMissing as exc:
        raise BadRequest(str(exc), metadata={"type": connection.type}) from None


def _answer(source: schemas.Source, connection_id: str, work: Any) -> Any:
    """Run a discovery step; its refusals as API errors naming the connection."""
    try:
        return work()
    except schema_cache.RefreshInProgress as exc:
        raise Conflict(str(exc), key="schema_refresh_in_progress") from None
    except SchemaNotFound as exc:
        raise NotFound(
            f"schema {exc.schema_id} not found on connection {connection_id}",
            key="schema_not_found",
            metadata={"id": exc.schema_id, "connection_id": connection_id},
        ) from None
    except ConnectorError as exc:
        raise upstream_error(exc, connection_id=connection_id, type=source.type_id) from None


# --- endpoints ----------------------------------------------------------------------------------


@router.get("/connections/{connection_id}/bulksync/source", response_model=BulkSyncSourceEnvelope)
def get_bulk_source(
    connection_id: str,
    caller: CallerDep,
    session: SessionDep,
    state: StateDep,
    include_fields: bool = Query(False, description="include each schema's fields"),
) -> dict[str, Any]:
    """The schemas the connection offers as a bulk-sync source, from the schema cache."""
    source = _source(session, caller, connection_id, state)
    listed = _answer(source, connection_id, source.schemas)
    shown = listed if include_fields else [{k: v for k, v in s.items() if k != "fields"} for s in listed]
    return {
        "data": {
            "capabilities": source.discovery.capabilities.as_dict(),
            "configuration": dict(source.discovery.configuration),
            "schemas": shown,
        }
    }


@router.post(
    "/connections/{connection_id}/schemas/refresh",
    status_code=202,
    response_class=Response,
    response_description="Started; `Location` is the status to poll",
)
def refresh_schemas(connection_id: str, caller: CallerDep, session: SessionDep, state: StateDep) -> Response:
    """Start a background refresh (unless one is running); `Location` is the status to poll."""
    connection = load_connection(session, caller, connection_id)
    try:
        schemas.start_refresh(state, session, connection)
    except CapabilityMissing as exc:
        raise BadRequest(str(exc), metadata={"type": connection.type}) from None
    location = f"/api/connections/{connection.id}/schemas/status"
    return Response(status_code=202, headers={"Location": location})


@router.get("/connections/{connection_id}/schemas/status", response_model=BulkSyncSourceStatusEnvelope)
def get_schema_status(
    connection_id: str, caller: CallerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """`cache_status`: none (never inspected), refreshing, fresh or failed (then `error` says why)."""
    cached = schemas.cache_state(state, load_connection(session, caller, connection_id))
    if cached is None:
        return {
            "data": {
                "cache_status": schema_cache.NEVER,
                "last_refresh_started": None,
                "last_refresh_finished": None,
            }
        }
    data: dict[str, Any] = {
        "cache_status": cached.status,
        "last_refresh_started": iso(cached.started_at),
        "last_refresh_finished": iso(cached.finished_at),
    }
    if cached.error:
        data["error"] = cached.error
    return {"data": data}


@router.get("/connections/{connection_id}/schemas/{schema_id}", response_model=BulkSyncSourceSchemaEnvelope)
def get_schema(
    connection_id: str, schema_id: str, caller: CallerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    source = _source(session, caller, connection_id, state)
    return {"data": _answer(source, connection_id, lambda: source.schema(schema_id))}


@router.get(
    "/connections/{connection_id}/schemas/{schema_id}/records", response_model=SchemaRecordsResponseEnvelope
)
def get_schema_records(
    connection_id: str,
    schema_id: str,
    caller: CallerDep,
    session: SessionDep,
    state: StateDep,
    limit: int = Query(SAMPLE_LIMIT, ge=1, le=MAX_SAMPLE, description="records in the sample"),
) -> dict[str, Any]:
    """A small sample of the schema's records, read from the upstream now."""
    source = _source(session, caller, connection_id, state)
    return {"data": _answer(source, connection_id, lambda: source.sample(schema_id, limit))}
