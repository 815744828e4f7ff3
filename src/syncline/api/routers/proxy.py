"""The Connection Proxy: ad-hoc calls to a connection's upstream API with its stored credentials.

Off unless enabled per connection (`PUT .../proxy/settings`); for connection types with a `proxy`
capability. The rules (contract, validation, limits, call log) are in `runtime/proxy.py`, the upstream
call in the connector's proxy capability.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from pydantic import Field, StrictBool

from syncline.api.deps import CallerDep, SessionDep, StateDep
from syncline.api.errors import ApiError, BadRequest, Forbidden, Unprocessable, error_response, field_errors
from syncline.api.models.common import RequestModel
from syncline.api.models.proxy import (
    ConnectionProxySettingsEnvelope,
    ExecuteConnectionProxyEnvelope,
    GetConnectionProxyInfoEnvelope,
)
from syncline.api.routers.connections import load_connection
from syncline.api.routing import API_ERRORS, api_router
from syncline.connectors.base import ConnectionConfig
from syncline.connectors.registry import all_connection_types, get_connection_type
from syncline.runtime.proxy import (
    ProxyError,
    prepare_request,
    proxy_enabled,
    proxy_info,
    run_proxy_call,
    set_proxy_enabled,
)
from syncline.services import connections as rules
from syncline.services.container import Services
from syncline.services.status import record_upstream_failure
from syncline.store.tables import Connection

router = api_router(tags=["connection proxy"], errors=(*API_ERRORS, 429, 502, 504))

SUPPORTED_TYPES = tuple(t.id for t in all_connection_types() if t.proxy is not None)


class ProxySettingsUpdate(RequestModel):
    enabled: StrictBool


class ProxyRequestIn(RequestModel):
    method: str = Field(min_length=1)
    path: str = Field(min_length=1)
    query: dict[str, Any] | None = None
    raw_query: str | None = Field(None, alias="rawQuery")
    headers: dict[str, str] | None = None
    body: Any = None
    api: str | None = None


class ProxyCallIn(RequestModel):
    request: ProxyRequestIn
    async_: StrictBool | None = Field(None, alias="async")


class ProxyFailure(ApiError):
    """A `ProxyError` as an API error: any status, with headers (`Retry-After`)."""

    def __init__(self, error: ProxyError) -> None:
        super().__init__(error.message, key=error.key, metadata=error.metadata)
        self.status = error.status
        self.headers = error.headers

    def response(self) -> JSONResponse:
        return error_response(self.status, self.key, self.message, self.metadata, headers=self.headers)


def _settings_out(connection: Connection, enabled: bool) -> dict[str, Any]:
    return {
        "connectionId": connection.id,
        "backendType": connection.type,
        "enabled": enabled,
        "supported": connection.type in SUPPORTED_TYPES,
    }


def _supported(connection: Connection) -> None:
    if connection.type not in SUPPORTED_TYPES:
        raise BadRequest(
            f"the Connection Proxy is not supported for this connection type ({connection.type}); "
            f"supported: {', '.join(SUPPORTED_TYPES)}",
            key="proxy_not_supported",
            metadata={"type": connection.type},
        )


def _config(connection: Connection, state: Services) -> ConnectionConfig:
    return rules.saved_config(state, connection)


@router.get("/connections/{connection_id}/proxy/settings", response_model=ConnectionProxySettingsEnvelope)
def get_proxy_settings(connection_id: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    """Whether the connection may be used through the proxy (off until enabled)."""
    connection = load_connection(session, caller, connection_id)
    return {"data": _settings_out(connection, proxy_enabled(session, connection.id))}


@router.put("/connections/{connection_id}/proxy/settings", response_model=ConnectionProxySettingsEnvelope)
def update_proxy_settings(
    connection_id: str, body: ProxySettingsUpdate, caller: CallerDep, session: SessionDep
) -> dict[str, Any]:
    """Enable or disable the proxy for a connection; enabling needs a supported connection type."""
    connection = load_connection(session, caller, connection_id)
    if body.enabled:
        _supported(connection)
    set_proxy_enabled(session, connection.id, body.enabled)
    return {"data": _settings_out(connection, body.enabled)}


@router.get("/connections/{connection_id}/proxy/info", response_model=GetConnectionProxyInfoEnvelope)
def get_proxy_info(
    connection_id: str, caller: CallerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """The proxy contract: base URL, locked (redacted) headers, limits, merge rules, 24 h statistics."""
    connection = load_connection(session, caller, connection_id)
    _supported(connection)
    enabled = proxy_enabled(session, connection.id)
    config = _config(connection, state)
    session.commit()  # end the read before a possible login writes tokens from another session
    return {
        "data": proxy_info(
            settings=state.settings,
            store=state.store,
            box=state.secret_box,
            ctype=get_connection_type(connection.type),
            connection_id=connection.id,
            organization_id=connection.organization_id,
            config=config,
            enabled=enabled,
        )
    }


@router.post("/connections/{connection_id}/proxy", response_model=ExecuteConnectionProxyEnvelope)
def execute_proxy(
    connection_id: str, body: ProxyCallIn, caller: CallerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """Send one request to the connection's upstream with its credentials; the upstream's answer."""
    connection = load_connection(session, caller, connection_id)
    _supported(connection)
    if not proxy_enabled(session, connection.id):
        raise Forbidden(
            f"the Connection Proxy is disabled for connection {connection.id}; enable it with "
            f'PUT /api/connections/{connection.id}/proxy/settings {{"enabled": true}}',
            key="proxy_disabled",
            metadata={"connection_id": connection.id},
        )
    if body.async_:
        raise Unprocessable(
            "async: asynchronous proxy calls are not supported by syncline; omit async or send false",
            metadata=field_errors([("async", "asynchronous proxy calls are not supported")]),
        )
    call = body.request
    config = _config(connection, state)
    organization_id, connection_id = connection.organization_id, connection.id
    session.commit()  # nothing of the request's own session is held during the upstream call
    try:
        prepared = prepare_request(
            method=call.method,
            path=call.path,
            query=call.query,
            raw_query=call.raw_query,
            headers=call.headers,
            body=call.body,
            api=call.api,
        )
        data = run_proxy_call(
            settings=state.settings,
            store=state.store,
            box=state.secret_box,
            ctype=get_connection_type(connection.type),
            connection_id=connection_id,
            organization_id=organization_id,
            config=config,
            request=prepared,
        )
    except ProxyError as exc:
        if exc.cause is not None:
            record_upstream_failure(state, connection_id, exc.cause)
        raise ProxyFailure(exc) from None
    return {"data": data}
