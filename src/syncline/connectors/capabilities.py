"""Optional capabilities a connection type declares beside the four protocols.

The API and the runtime ask a `ConnectionType` for these and never check a type by its id:

- `OAuthConnect` — the connection authorizes through OAuth: log in before saving, or send a person to an
  authorize page and finish on the callback; tokens live in the connection's shared `CredentialStore`.
- `ApiMetering` — the upstream counts calls against an allocation; syncline meters them in the
  connection's `CallBudget` and shows `api_calls_last_24_hours`.
- `ConnectionProxy` — ad-hoc calls to the upstream API with the stored credentials (the Connection Proxy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from syncline.connectors.credentials import StoredTokens
from syncline.connectors.errors import RequestRejected, Retriable
from syncline.connectors.upstreams import UpstreamPolicy

__all__ = [
    "ApiMetering",
    "Connected",
    "ConnectionProxy",
    "LeftInstance",
    "OAuthApp",
    "OAuthConnect",
    "PendingAuthorization",
    "ProxiedRequest",
    "UpstreamAnswer",
    "UpstreamTimeout",
]


# --- OAuth -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OAuthApp:
    """An OAuth client (a Salesforce connected app): syncline's own, for connections that bring none."""

    client_id: str
    client_secret: str | None = None


@dataclass(frozen=True)
class Connected:
    """A login or a finished authorization: tokens to store and settings the server fills in.

    Attributes:
        tokens: Persist these in the connection's credential store (refresh token included).
        settings: Server-filled settings to save with the connection, e.g. `{"username": ...}`.
    """

    tokens: StoredTokens
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PendingAuthorization:
    """An interactive authorization in flight; keep everything but `url` server-side until the callback."""

    url: str
    state: str
    code_verifier: str
    redirect_uri: str


class OAuthConnect(Protocol):
    """How a connection type authorizes. Errors are connector errors (configuration or authorization)."""

    app_setting: str
    """Prefix of syncline's own OAuth app settings (`SYNCLINE_<PREFIX>_CLIENT_ID` / `_CLIENT_SECRET`)."""

    def needs_authorization(self, config: Any) -> bool:
        """Whether a person must authorize before anything can connect (interactive, no token yet)."""
        ...

    def is_interactive(self, config: Any) -> bool:
        """Whether the configured connect mode authorizes through a person (a browser)."""
        ...

    def uses_user_code(self, config: Any) -> bool:
        """Whether the person enters a code on syncline's page first (a device-style flow)."""
        ...

    def connect(self, config: Any, *, upstreams: UpstreamPolicy) -> Connected:
        """Log in without a person (client credentials, a stored refresh token) and read the user; every
        connection opened goes only where `upstreams` allows."""
        ...

    def begin(self, config: Any, redirect_uri: str, app: OAuthApp | None) -> PendingAuthorization:
        """The authorize URL for a person to open; sends nothing."""
        ...

    def complete(
        self,
        config: Any,
        pending: PendingAuthorization,
        code: str,
        app: OAuthApp | None,
        *,
        upstreams: UpstreamPolicy,
    ) -> Connected:
        """Exchange the callback's code for tokens (and read the user)."""
        ...


# --- metering ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiMetering:
    """The upstream counts API calls; `daily_cap(config)` is the configured cap (None: the automatic rule)."""

    daily_cap: Callable[[Any], int | None]


# --- proxy -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProxiedRequest:
    """A validated proxy call. `url_for(base_url)` is its absolute URL on the instance at `base_url`; it
    raises when the result would leave the instance, so the connector cannot send it anywhere else."""

    method: str
    url_for: Callable[[str], str]
    params: list[tuple[str, str]] | None
    headers: dict[str, str]
    content: bytes | None


@dataclass(frozen=True)
class UpstreamAnswer:
    """What the upstream answered to a proxied call, its body capped."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    truncated: bool
    latency_ms: int
    access_token: str | None  # to redact from headers and body


class UpstreamTimeout(Retriable):
    """The upstream did not answer within the proxy's timeout."""


class LeftInstance(RequestRejected):
    """A proxied request would have gone somewhere other than the instance; nothing was sent."""


class ConnectionProxy(Protocol):
    """Sends proxied calls to the connection's own instance, never anywhere else.

    `send` raises `UpstreamTimeout` past `timeout`, `Retriable` when the upstream cannot be reached or
    answers unusably, `LeftInstance` when the call would leave the instance, `BudgetExhausted` when the
    API budget allows no more calls, and whatever `url_for` raises (nothing is sent then). An upstream
    that answers with an error status is an answer, not an exception.
    """

    def base_url(self, config: Any, ctx: Any, *, timeout: float) -> str | None:
        """The instance URL calls go to; None when the connection is not authorized yet."""
        ...

    def send(
        self, config: Any, ctx: Any, request: ProxiedRequest, *, timeout: float, max_response_bytes: int
    ) -> UpstreamAnswer: ...
