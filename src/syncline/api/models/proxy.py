"""Answers of the Connection Proxy endpoints, named and spelled (camelCase) as the SDK has them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from syncline.api.models.common import CamelResponseModel, ResponseModel


class ConnectionProxySettingsResponse(CamelResponseModel):
    connection_id: str | None = None
    backend_type: str | None = None
    enabled: bool | None = None
    supported: bool | None = Field(None, description="whether the connection's type has a proxy")


class ConnectionProxySettingsEnvelope(ResponseModel):
    data: ConnectionProxySettingsResponse


class ConnectionProxyLockedHeader(CamelResponseModel):
    name: str | None = None
    value: str | None = None
    redacted: bool | None = None


class ConnectionProxyInheritedBase(CamelResponseModel):
    base_url: str | None = Field(None, description="null while the connection cannot log in")
    locked_headers: list[ConnectionProxyLockedHeader] | None = None
    locked_query: dict[str, Any] | None = None


class ConnectionProxyContract(CamelResponseModel):
    allowed_methods: list[str] | None = None
    blocked_request_headers: list[str] | None = None
    blocked_response_headers: list[str] | None = None
    body_types: list[str] | None = None
    max_request_body_bytes: int | None = None
    max_response_body_bytes: int | None = None
    path_rule: str | None = None
    query_modes: list[str] | None = None
    query_value_types: list[str] | None = None
    rate_limit_per_minute: int | None = None
    raw_query_rule: str | None = None
    timeout_ms: int | None = None


class ConnectionProxyMergeRules(CamelResponseModel):
    headers: str | None = None
    query: str | None = None


class ConnectionProxyStats(CamelResponseModel):
    calls_last_24h: int | None = Field(None, alias="callsLast24h")
    proxy_calls_last_24h: int | None = Field(None, alias="proxyCallsLast24h")
    proxy_2xx_last_24h: int | None = Field(None, alias="proxy2xxLast24h")
    proxy_4xx_last_24h: int | None = Field(None, alias="proxy4xxLast24h")
    proxy_5xx_last_24h: int | None = Field(None, alias="proxy5xxLast24h")
    last_proxy_call_at: datetime | None = None


class ConnectionProxyInfoResponse(CamelResponseModel):
    backend_type: str | None = None
    connection_id: str | None = None
    enabled: bool | None = None
    apis: list[dict[str, Any]] | None = None
    inherited_base: ConnectionProxyInheritedBase | None = None
    request_contract: ConnectionProxyContract | None = None
    merge_rules: ConnectionProxyMergeRules | None = None
    stats: ConnectionProxyStats | None = None


class GetConnectionProxyInfoEnvelope(ResponseModel):
    data: ConnectionProxyInfoResponse


class ConnectionProxyResponse(CamelResponseModel):
    status: int | None = Field(None, description="the upstream's status")
    headers: dict[str, str] | None = Field(None, description="the upstream's headers, credentials removed")
    body: str | None = Field(None, description="the upstream's body as text (base64 per bodyEncoding)")
    body_encoding: str | None = None
    content_type: str | None = None
    truncated: bool | None = Field(None, description="true when the body was cut at maxResponseBodyBytes")
    latency_ms: int | None = None
    proxy_call_id: str | None = None


class ExecuteConnectionProxyEnvelope(ResponseModel):
    data: ConnectionProxyResponse
