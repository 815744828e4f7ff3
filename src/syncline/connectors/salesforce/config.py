"""Settings of a Salesforce connection, as on Polytomic's Salesforce connection page."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import field_validator
from pydantic_core import PydanticCustomError

from syncline.connectors.config import ConnectionConfig, When, secret, setting

ConnectMode = Literal["browser", "clientcredentials", "code", "api"]

# Host names and IPv4 addresses, with an optional http(s) scheme and port: the local emulator is
# `http://127.0.0.1:8443`, a sandbox is `foo--uat.sandbox.my.salesforce.com`.
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_DOMAIN = re.compile(rf"^(?:https?://)?{_LABEL}(?:\.{_LABEL})*(?::(?P<port>\d{{1,5}}))?/?$", re.IGNORECASE)
_MAX_PORT = 65535


class SalesforceConfig(ConnectionConfig):
    """Configuration of a `salesforce` connection."""

    domain: str = setting(
        title="Domain",
        description=(
            "The Salesforce instance's login domain, e.g. acmecorp.my.salesforce.com. "
            "Without a scheme https is used; a scheme and port may be given, "
            "e.g. http://127.0.0.1:8443 for a local emulator."
        ),
        examples=["acmecorp.my.salesforce.com"],
        min_length=1,
    )
    connect_mode: ConnectMode = setting(
        "browser",
        title="Connect mode",
        description=(
            "How syncline gets access to Salesforce. browser: OAuth in the browser through syncline's "
            "connected app. code: the create response includes an auth_code for the user to enter "
            "to complete authorization. clientcredentials: the OAuth client-credentials flow of your "
            "connected app (needs client_id and client_secret). api: you supply client_id, "
            "client_secret and oauth_refresh_token."
        ),
        api_field=True,
    )
    client_id: str | None = secret(
        title="Client ID",
        description=(
            "Consumer key of your connected app. Required when connect_mode is clientcredentials or api."
        ),
    )
    client_secret: str | None = secret(
        title="Client Secret",
        description=(
            "Consumer secret of your connected app. Required when connect_mode is clientcredentials or api."
        ),
        password=True,
    )
    oauth_refresh_token: str | None = secret(
        title="OAuth refresh token",
        description="Refresh token issued to your connected app. Required when connect_mode is api.",
        hidden=True,
        api_field=True,
    )
    enforce_api_limits: bool = setting(
        False,
        title="Enforce API limits",
        description=(
            "If true, syncline will restrict itself to a fixed daily cap of Salesforce API calls "
            "enforced by the number in daily_api_calls."
        ),
    )
    daily_api_calls: int | None = setting(
        None,
        title="Daily call limit",
        description=(
            "The daily Salesforce API call cap that syncline should adhere to. "
            "Required, and at least 1, when enforce_api_limits is true."
        ),
        # 0 is Polytomic's documented "unset" value; the cap must be >= 1 only when enforced (rules).
        minimum=0,
    )
    enable_tooling: bool = setting(
        False,
        title="Enable support for Tooling API",
        description=(
            "If true, expose objects from the Salesforce Tooling API in the bulk sync source object list."
        ),
    )
    enable_multicurrency_lookup: bool = setting(
        False,
        title="Enable multicurrency source field support",
        description=(
            "If incremental mode for bulk-syncing from Salesforce formula fields is enabled, setting this "
            "to true extends support to accurate currency conversions."
        ),
    )
    username: str | None = setting(
        None,
        title="Salesforce user",
        description="The Salesforce user syncline is authorized as; filled in after authorization.",
        read_only=True,
    )
    instance_url_override: str | None = setting(
        None,
        title="Instance URL override",
        description=(
            "This URL will be used for API requests instead of the one provided by Salesforce during "
            "OAuth. Managed by the syncline operator."
        ),
        read_only=True,
    )

    rules: ClassVar[tuple[When, ...]] = (
        When("connect_mode", ("clientcredentials", "api"), require=("client_id", "client_secret")),
        When("connect_mode", ("api",), require=("oauth_refresh_token",)),
        When("enforce_api_limits", (True,), require=("daily_api_calls",), minimum={"daily_api_calls": 1}),
    )

    @field_validator("domain")
    @classmethod
    def _domain_shape(cls, value: str) -> str:
        # Shape only: whether the domain answers is for the upstream check, not for validation.
        match = _DOMAIN.match(value)
        if match is None or (match["port"] is not None and not 0 < int(match["port"]) <= _MAX_PORT):
            raise PydanticCustomError(
                "domain",
                "must be a domain such as acmecorp.my.salesforce.com, optionally with http:// or https:// "
                "and a port, e.g. http://127.0.0.1:8443 (got {given})",
                {"given": _quote(value)},
            )
        return value


def _quote(value: str) -> str:
    return '"' + (value if len(value) <= 60 else value[:60] + "…") + '"'
