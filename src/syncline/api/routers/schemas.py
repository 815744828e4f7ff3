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

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from syncline.api.auth import Caller
from syncline.api.connector_errors import UpstreamFailure
from syncline.api.connector_errors import upstream_error as mapped_error
from syncline.api.deps import CallerDep, SessionDep, StateDep
from syncline.api.errors import BadRequest, Conflict, NotFound
from syncline.api.routers.connections import HEALTHY, load_connection
from syncline.connectors.base import ConnectionConfig, ConnectorContext
from syncline.connectors.discovery import SAMPLE_LIMIT, Schema, SourceDiscovery
from syncline.connectors.errors import ConnectorError
from syncline.connectors.registry import get_connection_type
from syncline.runtime import schema_cache
from syncline.runtime.context import lock_dir
from syncline.runtime.jobs import add_job
from syncline.runtime.schema_cache import SCHEMA_REFRESH_KIND
from syncline.services import connections as rules
from syncline.services.container import Services
from syncline.store.tables import Connection

router = APIRouter(prefix="/api", tags=["schemas"])

MAX_SAMPLE = 100


# --- helpers ------------------------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


class _Source:
    """A connection ready for discovery: its type's discovery, validated configuration and context."""

    def __init__(self, connection: Connection, state: Services) -> None:
        ctype = get_connection_type(connection.type)
        discovery = ctype.discovery
        if discovery is None:
            raise BadRequest(
                f"{ctype.name} connections cannot be a bulk sync source", metadata={"type": ctype.id}
            )
        config: ConnectionConfig = rules.saved_config(state, connection)
        self.connection = connection
        self.discovery: SourceDiscovery = discovery
        self.config = config
        self.ctx: ConnectorContext = rules.context(state, ctype, config, connection.id)
        self.state = state

    def discover(self) -> list[Schema]:
        return self.discovery.discover(self.config, self.ctx, include_fields=True)

    def schemas(self) -> list[dict[str, Any]]:
        """The cached schemas, inspecting the connection first if it never was."""
        try:
            return schema_cache.cached_schemas(
                self.state.store, lock_dir(self.state.settings), self.connection.id, self.discover
            )
        except schema_cache.RefreshInProgress as exc:
            raise Conflict(str(exc), key="schema_refresh_in_progress") from None
        except ConnectorError as exc:
            raise upstream_error(exc, self.connection, self.state) from None

    def schema(self, schema_id: str) -> dict[str, Any]:
        for schema in self.schemas():
            if schema["id"] == schema_id:
                return schema
        raise NotFound(
            f"schema {schema_id} not found on connection {self.connection.id}",
            key="schema_not_found",
            metadata={"id": schema_id, "connection_id": self.connection.id},
        )


def _source(session: Session, caller: Caller, connection_id: str, state: Services) -> _Source:
    """The connection ready for discovery; the request's transaction ends here, so the upstream calls
    that follow (and their budget and token reads) never wait while it holds a pooled connection."""
    source = _Source(load_connection(session, caller, connection_id), state)
    session.commit()
    return source


def upstream_error(exc: ConnectorError, connection: Connection, state: Services) -> UpstreamFailure:
    """The API error for a connector's refusal (mapped by category), naming the connection; an
    authorization failure also marks the connection `needs_reauthorization`."""
    rules.record_upstream_failure(state, connection.id, exc)
    return mapped_error(exc, connection_id=connection.id, type=connection.type)


# --- endpoints ----------------------------------------------------------------------------------


@router.get("/connections/{connection_id}/bulksync/source")
def get_bulk_source(
    connection_id: str,
    caller: CallerDep,
    session: SessionDep,
    state: StateDep,
    include_fields: bool = Query(False, description="include each schema's fields"),
) -> dict[str, Any]:
    """The schemas the connection offers as a bulk-sync source, from the schema cache."""
    source = _source(session, caller, connection_id, state)
    schemas = source.schemas()
    shown = schemas if include_fields else [{k: v for k, v in s.items() if k != "fields"} for s in schemas]
    return {
        "data": {
            "capabilities": source.discovery.capabilities.as_dict(),
            "configuration": dict(source.discovery.configuration),
            "schemas": shown,
        }
    }


@router.post("/connections/{connection_id}/schemas/refresh", status_code=202)
def refresh_schemas(connection_id: str, caller: CallerDep, session: SessionDep, state: StateDep) -> Response:
    """Start a background refresh (unless one is running); `Location` is the status to poll."""
    connection = load_connection(session, caller, connection_id)
    if connection.status != HEALTHY:
        why = f" ({connection.status_error})" if connection.status_error else ""
        raise Conflict(
            f"connection {connection.id} is {connection.status}{why}: schemas can only be refreshed while "
            "the connection is healthy; test it with POST /api/connections/test (connection_id) or fix "
            "its configuration first",
            key="connection_not_healthy",
            metadata={"connection_id": connection.id, "status": connection.status},
        )
    _Source(connection, state)  # a type that cannot be a bulk-sync source answers 400 here
    cid = connection.id
    if schema_cache.claim(state.store, lock_dir(state.settings), cid):
        payload = {"connection_id": cid}
        job_id = add_job(session, SCHEMA_REFRESH_KIND, connection.organization_id, payload, subject_id=cid)
        session.commit()
        state.submit(SCHEMA_REFRESH_KIND, job_id)
    location = f"/api/connections/{cid}/schemas/status"
    return Response(status_code=202, headers={"Location": location})


@router.get("/connections/{connection_id}/schemas/status")
def get_schema_status(
    connection_id: str, caller: CallerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """`cache_status`: none (never inspected), refreshing, fresh or failed (then `error` says why)."""
    connection = load_connection(session, caller, connection_id)
    cached = schema_cache.read(state.store, connection.id)
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
        "last_refresh_started": _iso(cached.started_at),
        "last_refresh_finished": _iso(cached.finished_at),
    }
    if cached.error:
        data["error"] = cached.error
    return {"data": data}


@router.get("/connections/{connection_id}/schemas/{schema_id}")
def get_schema(
    connection_id: str, schema_id: str, caller: CallerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    return {"data": _source(session, caller, connection_id, state).schema(schema_id)}


@router.get("/connections/{connection_id}/schemas/{schema_id}/records")
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
    cached = Schema.from_dict(source.schema(schema_id))
    try:
        records = source.discovery.sample(source.config, source.ctx, schema_id, limit, schema=cached)
    except ConnectorError as exc:
        raise upstream_error(exc, source.connection, state) from None
    return {"data": records}
