"""Connections: create, read, update, delete and test; secrets are write-only."""

from __future__ import annotations

from typing import Any

from fastapi import Query, Request, Response
from sqlalchemy.orm import Session

from syncline.api.auth import Caller
from syncline.api.deps import CallerDep, SessionDep, StateDep
from syncline.api.envelope import iso
from syncline.api.errors import NotFound
from syncline.api.models.connections import (
    ConnectionCreate,
    ConnectionListResponseEnvelope,
    ConnectionParameterValuesResponseEnvelope,
    ConnectionResponseEnvelope,
    ConnectionTest,
    ConnectionUpdate,
    CreateConnectionResponseEnvelope,
    GetConnectionUsageEnvelope,
)
from syncline.api.query import deep_object
from syncline.api.routers.connection_types import parameter_values
from syncline.api.routing import api_router
from syncline.connectors.registry import get_connection_type
from syncline.services import connection_config
from syncline.services import connections as rules
from syncline.services.container import Services
from syncline.store.tables import Connection

router = api_router(tags=["connections"])

# --- helpers ------------------------------------------------------------------------------------


def load_connection(session: Session, caller: Caller, connection_id: str) -> Connection:
    """The connection, when the caller acts in its organization (its own, or one a partner manages);
    otherwise a 404: another organization's connection does not exist for the caller."""
    connection = rules.by_id(session, connection_id)
    if connection is None or not caller.may_act_in(session, connection.organization_id):
        raise NotFound.resource("connection", connection_id)
    return connection


def connection_out(session: Session, connection: Connection, state: Services) -> dict[str, Any]:
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
        "created_at": iso(connection.created_at),
        "created_by": rules.actor(session, connection.created_by),
        "updated_at": iso(connection.updated_at),
        "updated_by": rules.actor(session, connection.updated_by),
        **rules.usage(session, connection, stored),
    }


def _changes(body: ConnectionCreate | ConnectionUpdate) -> rules.Changes:
    return rules.Changes(
        name=body.name,
        configuration=body.configuration,
        validate=bool(body.validate_),
        healthcheck_interval=body.healthcheck_interval,
        policies=body.policies,
        redirect_url=body.redirect_url,
        reconnect=bool(getattr(body, "reconnect", False)),
    )


# --- endpoints ----------------------------------------------------------------------------------


@router.get("/connections", response_model=ConnectionListResponseEnvelope)
def list_connections(
    request: Request, caller: CallerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """All of the organization's connections; `filters[type]=…` and `filters[status]=…` narrow the list."""
    filters = deep_object(request.query_params, "filters", allowed=("type", "status"))
    connections = rules.listed(
        session, caller.organization_id, type_id=filters.get("type"), status=filters.get("status")
    )
    return {"data": [connection_out(session, c, state) for c in connections]}


@router.post("/connections", response_model=CreateConnectionResponseEnvelope)
def create_connection(
    body: ConnectionCreate, request: Request, caller: CallerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """Validate (and with `validate: true`, test) the configuration; nothing is stored when either fails.

    OAuth connections in interactive modes answer with `auth_url` (and `auth_code`) to finish
    authorizing; see `services/connections.py`.
    """
    connection, extras = rules.create(
        state,
        session,
        organization_id=caller.target_organization(session, body.organization_id),
        actor_id=caller.actor_id,
        type_id=body.type,
        changes=_changes(body),
        base_url=str(request.base_url),
    )
    return {"data": {**connection_out(session, connection, state), **extras}}


@router.get("/connections/{connection_id}", response_model=ConnectionResponseEnvelope)
def get_connection(
    connection_id: str, caller: CallerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    return {"data": connection_out(session, load_connection(session, caller, connection_id), state)}


@router.put("/connections/{connection_id}", response_model=CreateConnectionResponseEnvelope)
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
    extras = rules.update(
        state,
        session,
        connection,
        actor_id=caller.actor_id,
        type_id=body.type,
        changes=_changes(body),
        base_url=str(request.base_url),
    )
    return {"data": {**connection_out(session, connection, state), **extras}}


@router.get(
    "/connections/{connection_id}/parameter_values", response_model=ConnectionParameterValuesResponseEnvelope
)
def get_parameter_values(connection_id: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    """Completion values of every setting of the connection that has a fixed set of values."""
    connection = load_connection(session, caller, connection_id)
    ctype = get_connection_type(connection.type)
    fields = [name for name, spec in ctype.json_schema()["properties"].items() if spec.get("enum")]
    return {"data": {name: parameter_values(ctype, name) for name in fields}}


@router.get("/connections/{connection_id}/usage", response_model=GetConnectionUsageEnvelope)
def get_usage(connection_id: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    """API calls syncline made through the connection in the last 24 h (metered types; null elsewhere)."""
    connection = load_connection(session, caller, connection_id)
    return {
        "data": {
            "connectionId": connection.id,
            "callsLast24h": rules.metered_calls(session, connection),
            "reportsSyncStats": False,
            "bySync": [],
        }
    }


@router.delete("/connections/{connection_id}", status_code=204, response_class=Response)
def delete_connection(
    connection_id: str,
    caller: CallerDep,
    session: SessionDep,
    force: bool = Query(False, description="delete even while models or syncs use it"),
) -> Response:
    rules.remove(session, load_connection(session, caller, connection_id), force=force)
    return Response(status_code=204)


@router.post("/connections/test", status_code=204, response_class=Response)
def test_connection(
    body: ConnectionTest, caller: CallerDep, session: SessionDep, state: StateDep
) -> Response:
    """Test a configuration, merged over a stored connection's when `connection_id` is given.

    When the merged configuration is exactly the stored one, the test runs on the connection's own
    tokens and its outcome is recorded as the connection's status.
    """
    ctype = rules.connection_type(body.type)
    connection = load_connection(session, caller, body.connection_id) if body.connection_id else None
    rules.test(state, session, ctype, connection, body.configuration, organization_id=caller.organization_id)
    return Response(status_code=204)
