"""Request and response bodies of the connection endpoints (the router builds the answers as dicts)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from syncline.api.models.common import CamelResponseModel, OutputActor, RequestModel, ResponseModel


def _web_url(value: str | None) -> str | None:
    """Where a person lands after authorizing: an http(s) URL, never `javascript:` or a bare path."""
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// URL")
    return value


RedirectUrl = Annotated[str | None, AfterValidator(_web_url)]


class ConnectionCreate(RequestModel):
    name: str = Field(min_length=1, max_length=255)
    type: str = Field(min_length=1)
    configuration: dict[str, Any]
    validate_: bool = Field(
        False, alias="validate", description="Connect to the upstream first; nothing is stored if that fails."
    )
    redirect_url: RedirectUrl = None
    healthcheck_interval: str | None = None
    organization_id: str | None = None
    policies: list[str] | None = None


class ConnectionUpdate(RequestModel):
    name: str = Field(min_length=1, max_length=255)
    configuration: dict[str, Any]
    type: str | None = None
    validate_: bool = Field(False, alias="validate")
    reconnect: bool | None = None
    redirect_url: RedirectUrl = None
    healthcheck_interval: str | None = None
    organization_id: str | None = None
    policies: list[str] | None = None


class ConnectionTest(RequestModel):
    type: str = Field(min_length=1)
    configuration: dict[str, Any]
    connection_id: str | None = None


# --- answers, named as the SDK names them ----------------------------------------------------------


class ConnectionTypeSchema(ResponseModel):
    id: str | None = None
    name: str | None = None
    logo_url: str | None = None
    logo_dark_url: str | None = None
    operations: list[str] | None = None


class ConnectionResponseSchemaRateLimit(ResponseModel):
    currently_limited: bool | None = None


class ConnectionResponseSchema(ResponseModel):
    id: str | None = None
    name: str | None = None
    type: ConnectionTypeSchema | None = None
    configuration: dict[str, Any] | None = Field(None, description="secrets shown as ********")
    organization_id: str | None = None
    parent_connection_id: str | None = None
    policies: list[str] | None = None
    saved: bool | None = None
    status: str | None = Field(
        None, description="healthy, unhealthy, unknown, awaiting_authorization or needs_reauthorization"
    )
    status_error: str | None = None
    healthcheck_interval: str | None = None
    created_at: datetime | None = None
    created_by: OutputActor | None = None
    updated_at: datetime | None = None
    updated_by: OutputActor | None = None
    api_calls_last_24_hours: int | None = Field(None, description="metered connection types only")
    rate_limit: ConnectionResponseSchemaRateLimit | None = None


class CreateConnectionResponseSchema(ConnectionResponseSchema):
    auth_url: str | None = Field(None, description="interactive OAuth modes: where to approve access")
    auth_code: str | None = Field(None, description="code mode: the code the person enters at auth_url")


class ConnectionListResponseEnvelope(ResponseModel):
    data: list[ConnectionResponseSchema]


class ConnectionResponseEnvelope(ResponseModel):
    data: ConnectionResponseSchema


class CreateConnectionResponseEnvelope(ResponseModel):
    data: CreateConnectionResponseSchema


class ConnectionUsageResponse(CamelResponseModel):
    connection_id: str | None = None
    calls_last_24h: int | None = Field(
        None, alias="callsLast24h", description="null for connection types syncline does not meter"
    )
    reports_sync_stats: bool | None = None
    by_sync: list[dict[str, Any]] | None = None


class GetConnectionUsageEnvelope(ResponseModel):
    data: ConnectionUsageResponse


class ConnectionParameterValue(ResponseModel):
    label: str | None = None
    value: Any = None
    path: str | None = None


class ConnectionParameterValuesResp(ResponseModel):
    allows_creation: bool | None = None
    values: list[ConnectionParameterValue] | None = None


class ConnectionParameterValuesResponseEnvelope(ResponseModel):
    data: dict[str, ConnectionParameterValuesResp] = Field(description="by setting name")


class BackendConnectionCapabilities(ResponseModel):
    source: bool
    destination: bool
    enrichment: bool
    logging: bool
    orchestration: bool


class ConnectionForm(ResponseModel):
    jsonschema: dict[str, Any] | None = None
    uischema: dict[str, Any] | None = None


class ConnectionType(ResponseModel):
    id: str | None = None
    name: str | None = None
    logo_url: str | None = None
    logo_dark_url: str | None = None
    use_oauth: bool | None = None
    configuration_form: ConnectionForm | None = Field(None, alias="configurationForm")
    initial_configuration: dict[str, Any] | None = Field(None, alias="initialConfiguration")
    env_config: dict[str, Any] | None = Field(None, alias="envConfig")
    capabilities: BackendConnectionCapabilities


class ConnectionTypeResponseEnvelope(ResponseModel):
    data: list[ConnectionType]
