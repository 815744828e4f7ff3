"""Request bodies of the connection endpoints (responses are built in the router)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from syncline.api.models.common import RequestModel


class ConnectionCreate(RequestModel):
    name: str = Field(min_length=1, max_length=255)
    type: str = Field(min_length=1)
    configuration: dict[str, Any]
    validate_: bool = Field(
        False, alias="validate", description="Connect to the upstream first; nothing is stored if that fails."
    )
    redirect_url: str | None = None
    healthcheck_interval: str | None = None
    organization_id: str | None = None
    policies: list[str] | None = None


class ConnectionUpdate(RequestModel):
    name: str = Field(min_length=1, max_length=255)
    configuration: dict[str, Any]
    type: str | None = None
    validate_: bool = Field(False, alias="validate")
    reconnect: bool | None = None
    redirect_url: str | None = None
    healthcheck_interval: str | None = None
    organization_id: str | None = None
    policies: list[str] | None = None


class ConnectionTest(RequestModel):
    type: str = Field(min_length=1)
    configuration: dict[str, Any]
    connection_id: str | None = None
