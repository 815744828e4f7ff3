"""Request bodies of the connection endpoints (responses are built in the router)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from syncline.api.models.common import RequestModel


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
