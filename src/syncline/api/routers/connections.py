"""Connections: create, read, update, delete and test; secrets are write-only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from syncline.api import connection_config, salesforce_connect
from syncline.api.auth import Caller
from syncline.api.deps import CallerDep, SessionDep, StateDep
from syncline.api.errors import ApiError, BadRequest, Conflict, NotFound, Unprocessable, field_errors
from syncline.api.models.connections import ConnectionCreate, ConnectionTest, ConnectionUpdate
from syncline.api.query import deep_object
from syncline.api.routers.connection_types import parameter_values
from syncline.api.state import AppState
from syncline.connectors.base import ConnectionConfig, ConnectionType
from syncline.connectors.errors import (
    CheckNotAvailable,
    ConfigurationInvalid,
    ConnectionCheckFailed,
    UnknownConnectionType,
)
from syncline.connectors.registry import get_connection_type
from syncline.connectors.salesforce.config import SalesforceConfig
from syncline.runtime.connection_state import calls_last_24_hours
from syncline.store.tables import Connection, ConnectionTokens, User
from syncline.store.usage import connection_users

router = APIRouter(prefix="/api", tags=["connections"])

HEALTHY = "healthy"
UNHEALTHY = "unhealthy"
UNKNOWN = "unknown"


# --- helpers ------------------------------------------------------------------------------------


def _connection_type(type_id: str) -> ConnectionType[Any]:
    try:
        return get_connection_type(type_id)
    except UnknownConnectionType as exc:
        raise Unprocessable(
            f"type: {exc}", key="unknown_connection_type", metadata=field_errors([("type", str(exc))])
        ) from None


def _prepared(
    ctype: ConnectionType[Any], incoming: dict[str, Any], stored: connection_config.StoredConfig | None
) -> ConnectionConfig:
    """`incoming` with kept secrets restored, validated; every problem in one 422 naming its field."""
    try:
        return ctype.validate_config(connection_config.prepare(ctype, incoming, stored))
    except ConfigurationInvalid as exc:
        errors = [(f"configuration.{e.field}", e.message) for e in exc.errors]
        raise Unprocessable(
            "invalid configuration: " + "; ".join(f"{f}: {m}" for f, m in errors),
            key="invalid_configuration",
            metadata=field_errors(errors),
        ) from None


def _check(
    ctype: ConnectionType[Any],
    config: ConnectionConfig,
    state: AppState,
    failure: type[ApiError] = Unprocessable,
) -> None:
    """Contact the upstream; a failure becomes `failure` (422 by default) carrying the upstream's message."""
    try:
        ctype.check(config, state.connector_context)
    except CheckNotAvailable as exc:
        raise failure(str(exc), key="check_not_available", metadata={"type": ctype.id}) from None
    except ConnectionCheckFailed as exc:
        raise failure(str(exc), key="connection_test_failed", metadata={"type": ctype.id}) from None


def load_connection(session: Session, caller: Caller, connection_id: str) -> Connection:
    connection = session.get(Connection, connection_id)
    if connection is None or connection.organization_id != caller.organization_id:
        raise NotFound.resource("connection", connection_id)
    return connection


def _actor(session: Session, actor_id: str | None) -> dict[str, Any] | None:
    if actor_id is None:
        return None
    user = session.get(User, actor_id)
    if user is not None:
        return {"id": user.id, "name": user.email, "type": "user"}
    return {"id": actor_id, "name": "API key", "type": "api_key"}


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def connection_out(session: Session, connection: Connection, state: AppState) -> dict[str, Any]:
    ctype = get_connection_type(connection.type)
    stored = connection_config.load(connection, state.secret_box)
    return {
        "id": connection.id,
        "name": connection.name,
        "type": {
            "id": ctype.id,
            "name": ctype.name,
            "logo_url": ctype.logo_url,
            "logo_dark_url": None,
            "operations": list(ctype.operations),
        },
        "configuration": connection_config.redacted(ctype, stored),
        "organization_id": connection.organization_id,
        "parent_connection_id": None,
        "policies": list(connection.policies or []),
        "saved": True,
        "status": connection.status,
        "status_error": connection.status_error,
        "healthcheck_interval": connection.healthcheck_interval,
        "created_at": _iso(connection.created_at),
        "created_by": _actor(session, connection.created_by),
        "updated_at": _iso(connection.updated_at),
        "updated_by": _actor(session, connection.updated_by),
        **_usage_fields(state, connection),
    }


def _usage_fields(state: AppState, connection: Connection) -> dict[str, Any]:
    """`api_calls_last_24_hours` and `rate_limit`, for types whose calls syncline meters (Salesforce)."""
    if connection.type != "salesforce":
        return {}
    calls = calls_last_24_hours(state.store, connection.id)
    plain = connection.configuration or {}
    cap = plain.get("daily_api_calls") if plain.get("enforce_api_limits") else None
    return {
        "api_calls_last_24_hours": calls,
        "rate_limit": {"currently_limited": cap is not None and calls >= cap},
    }


# --- endpoints ----------------------------------------------------------------------------------


@router.get("/connections")
def list_connections(
    request: Request, caller: CallerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """All of the organization's connections; `filters[type]=…` and `filters[status]=…` narrow the list."""
    filters = deep_object(request.query_params, "filters", allowed=("type", "status"))
    query = select(Connection).where(Connection.organization_id == caller.organization_id)
    if "type" in filters:
        query = query.where(Connection.type == filters["type"])
    if "status" in filters:
        query = query.where(Connection.status == filters["status"])
    connections = session.scalars(query.order_by(Connection.created_at, Connection.id))
    return {"data": [connection_out(session, c, state) for c in connections]}


@router.post("/connections")
def create_connection(
    body: ConnectionCreate, request: Request, caller: CallerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """Validate (and with `validate: true`, test) the configuration; nothing is stored when either fails.

    Salesforce connections in browser or code mode answer with `auth_url` (and `auth_code`) to finish
    authorizing; see `api/salesforce_connect.py`.
    """
    organization_id = caller.target_organization(session, body.organization_id)
    ctype = _connection_type(body.type)
    config = _prepared(ctype, body.configuration, None)
    prepared = None
    if isinstance(config, SalesforceConfig):
        prepared = salesforce_connect.prepare(config, validate=body.validate_)
        config = prepared.config
    elif body.validate_:
        _check(ctype, config, state)
    connection = Connection(
        organization_id=organization_id,
        name=body.name,
        type=ctype.id,
        status=HEALTHY if body.validate_ else UNKNOWN,
        healthcheck_interval=body.healthcheck_interval,
        policies=body.policies or [],
        created_by=caller.actor_id,
        updated_by=caller.actor_id,
    )
    connection_config.save(connection, connection_config.split(ctype, config), state.secret_box)
    session.add(connection)
    session.flush()
    extras: dict[str, Any] = {}
    if prepared is not None:
        if prepared.authorization is None:
            connection.status = UNKNOWN
        extras = salesforce_connect.after_save(
            state, session, connection, prepared, base_url=str(request.base_url), return_url=body.redirect_url
        )
    return {"data": {**connection_out(session, connection, state), **extras}}


@router.get("/connections/{connection_id}")
def get_connection(
    connection_id: str, caller: CallerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    return {"data": connection_out(session, load_connection(session, caller, connection_id), state)}


@router.put("/connections/{connection_id}")
def update_connection(
    connection_id: str,
    body: ConnectionUpdate,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    state: StateDep,
) -> dict[str, Any]:
    """Replace name and configuration; omitted or redacted secrets keep their stored values."""
    connection = load_connection(session, caller, connection_id)
    if body.type is not None and body.type != connection.type:
        raise Unprocessable(
            f"type: a {connection.type} connection cannot become {body.type}; create a new one",
            key="invalid_configuration",
            metadata=field_errors([("type", f"must be {connection.type}")]),
        )
    ctype = get_connection_type(connection.type)
    stored = connection_config.load(connection, state.secret_box)
    config = _prepared(ctype, body.configuration, stored)
    prepared = None
    if isinstance(config, SalesforceConfig):
        prepared = salesforce_connect.prepare(config, validate=bool(body.validate_ and not body.reconnect))
        config = prepared.config
    elif body.validate_:
        _check(ctype, config, state)
    new = connection_config.split(ctype, config)
    if ctype.id == "salesforce" and new.plain.get("domain") != stored.plain.get("domain"):
        # Another org or host: the tokens and instance URL of the old one must not be used against it.
        session.execute(delete(ConnectionTokens).where(ConnectionTokens.connection_id == connection.id))
    if body.validate_ and (prepared is None or prepared.authorization is not None):
        connection.status, connection.status_error = HEALTHY, None
    elif new != stored:
        connection.status, connection.status_error = UNKNOWN, None
    connection.name = body.name
    if body.healthcheck_interval is not None:
        connection.healthcheck_interval = body.healthcheck_interval
    if body.policies is not None:
        connection.policies = body.policies
    connection.updated_by = caller.actor_id
    connection_config.save(connection, new, state.secret_box)
    session.flush()
    extras: dict[str, Any] = {}
    if prepared is not None:
        extras = salesforce_connect.after_save(
            state,
            session,
            connection,
            prepared,
            base_url=str(request.base_url),
            return_url=body.redirect_url,
            reconnect=bool(body.reconnect),
        )
    return {"data": {**connection_out(session, connection, state), **extras}}


@router.get("/connections/{connection_id}/parameter_values")
def get_parameter_values(connection_id: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    """Completion values of every setting of the connection that has a fixed set of values."""
    connection = load_connection(session, caller, connection_id)
    ctype = get_connection_type(connection.type)
    fields = [name for name, spec in ctype.json_schema()["properties"].items() if spec.get("enum")]
    return {"data": {name: parameter_values(ctype, name) for name in fields}}


@router.get("/connections/{connection_id}/usage")
def get_usage(connection_id: str, caller: CallerDep, session: SessionDep, state: StateDep) -> dict[str, Any]:
    """API calls syncline made through the connection in the last 24 h (Salesforce; null elsewhere)."""
    connection = load_connection(session, caller, connection_id)
    calls = calls_last_24_hours(state.store, connection.id) if connection.type == "salesforce" else None
    return {
        "data": {
            "connectionId": connection.id,
            "callsLast24h": calls,
            "reportsSyncStats": False,
            "bySync": [],
        }
    }


@router.delete("/connections/{connection_id}", status_code=204)
def delete_connection(
    connection_id: str,
    caller: CallerDep,
    session: SessionDep,
    force: bool = Query(False, description="delete even while models or syncs use it"),
) -> Response:
    connection = load_connection(session, caller, connection_id)
    users = connection_users(session, connection.id)
    if users and not force:
        described = ", ".join(f"{len(ids)} {kind}(s)" for kind, ids in users.items())
        raise Conflict(
            f"connection {connection.id} is used by {described}; remove them first or pass force=true",
            key="connection_in_use",
            metadata={"used_by": users},
        )
    session.delete(connection)
    return Response(status_code=204)


@router.post("/connections/test", status_code=204)
def test_connection(
    body: ConnectionTest, caller: CallerDep, session: SessionDep, state: StateDep
) -> Response:
    """Test a configuration, merged over a stored connection's when `connection_id` is given.

    When the merged configuration is exactly the stored one, the outcome is also recorded as the
    connection's status.
    """
    ctype = _connection_type(body.type)
    connection = load_connection(session, caller, body.connection_id) if body.connection_id else None
    if connection is not None and connection.type != ctype.id:
        raise Unprocessable(
            f"type: connection {connection.id} is a {connection.type} connection",
            key="invalid_configuration",
            metadata=field_errors([("type", f"must be {connection.type}")]),
        )
    stored = connection_config.load(connection, state.secret_box) if connection else None
    incoming = {**stored.plain, **body.configuration} if stored else body.configuration
    config = _prepared(ctype, incoming, stored)
    records_status = connection is not None and connection_config.split(ctype, config) == stored
    try:
        # Polytomic's SDK declares 400 (not 422) for a failed test of a configuration.
        _check(ctype, config, state, failure=BadRequest)
    except BadRequest as failure:
        if records_status and failure.key == "connection_test_failed":
            assert connection is not None
            connection.status, connection.status_error = UNHEALTHY, failure.message
            session.commit()
        raise
    if records_status:
        assert connection is not None
        connection.status, connection.status_error = HEALTHY, None
    return Response(status_code=204)
